import VigilYAML

/// A policy file that cannot be used, and where: `FILE:LINE:COLUMN: REASON`, the form
/// compilers and editors understand. Line and column are 1-based and point at the
/// offending key or value.
public typealias PolicyError = LocatedError<PolicyFile>

/// The kind of file a `PolicyError` is about: a `vigil trace --policy` file.
public enum PolicyFile {}

/// Close-match suggestions for misspelt keys, events, fields and operators.
typealias Suggestion = VigilYAML.Suggestion
