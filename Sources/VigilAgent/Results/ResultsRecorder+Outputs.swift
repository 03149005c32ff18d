import VigilSQL
import VigilSystem

/// Delivery to the outputs besides the results log.
///
/// It runs on the scheduler's thread, after each run, and while `outputsWaiting` says
/// something is left, about once a second, which retries outputs that were down. Why not a thread of
/// its own: the outputs never wait long (see `RecordOutput`), and one thread keeps the
/// state store to one writer and the cursors free of races. Each output is offered the
/// items after its own cursor; what it takes moves its cursor, and rows every output has
/// taken are deleted.
extension ResultsRecorder {
    /// Items offered to an output at once; the rest follow on the next call.
    static let batch = 1000

    /// Offer every output what is queued for it. Never throws: an output's trouble is
    /// counted in `vigil_outputs`; returns lines worth logging (an output's error when it
    /// changes, and its recovery).
    @discardableResult
    public func deliverOutputs(at now: Int64 = ResultsRecorder.wallClock()) -> [String] {
        guard !outputs.isEmpty else { return [] }
        var messages: [String] = []
        var waiting = false
        // Unknown after an error: try again.
        defer { outputsWaiting = waiting }
        do {
            try prepare()
            let newest = try state { () throws(SQLError) in try store.lastOutboxID() }
            for output in outputs {
                let name = output.kind.rawValue
                let cursor = try state { () throws(SQLError) in try store.outputCursor(name) }
                guard cursor < newest else { continue }
                // An asynchronous output's last hand-over first: how far it got moves the
                // cursor before anything is dropped for the cap.
                var progress = output.takeFinished() ?? OutputProgress()
                // Never drop what is being handed over: it may yet be delivered.
                if !output.isBusy {
                    let over = try dropOverCap(output, after: progress.through ?? cursor)
                    progress.through = over.through ?? progress.through
                    progress.dropped += over.dropped
                    progress.error = over.error ?? progress.error
                }
                let items = try state { () throws(SQLError) in try store.outbox(after: progress.through ?? cursor, limit: Self.batch) }
                let sent = output.send(items)
                if let through = sent.through { progress.through = max(through, progress.through ?? through) }
                progress.records += sent.records
                progress.bytes += sent.bytes
                progress.dropped += sent.dropped
                progress.error = sent.error ?? progress.error
                try state { () throws(SQLError) in try store.recordOutputProgress(name, progress, at: now) }
                messages += report(output.kind, progress)
                // Left for later: records not yet taken, or a hand-over whose outcome is not in.
                if (progress.through ?? cursor) < newest || output.isBusy { waiting = true }
            }
        } catch {
            waiting = true
            messages.append("results outputs: \(error)")
        }
        return messages
    }

    /// Past the output's cap, drop its oldest records (move its cursor over them) until
    /// what it has queued fits again.
    private func dropOverCap(_ output: any RecordOutput, after cursor: Int64) throws(RecorderError) -> OutputProgress {
        var progress = OutputProgress()
        var queued = try state { () throws(SQLError) in try store.outboxBytes(after: cursor) }
        guard queued > output.maxPendingBytes else { return progress }
        let sizes = try state { () throws(SQLError) in try store.outboxSizes(after: cursor) }
        for item in sizes where queued > output.maxPendingBytes {
            queued -= item.bytes
            progress.dropped += Int(item.records)
            progress.through = item.id
        }
        progress.error = "dropped the \(progress.dropped) oldest records: more than \(output.maxPendingBytes) bytes were waiting for this output"
        return progress
    }

    /// A line for the log when an output's error is new, or when it delivers again after one.
    private func report(_ kind: OutputKind, _ progress: OutputProgress) -> [String] {
        if let error = progress.error {
            guard reportedErrors[kind] != error else { return [] }
            reportedErrors[kind] = error
            return ["results output \(kind.rawValue): \(error)"]
        }
        if progress.records > 0, reportedErrors.removeValue(forKey: kind) != nil {
            return ["results output \(kind.rawValue): delivering again"]
        }
        return []
    }

    /// UNIX time in seconds.
    public static func wallClock() -> Int64 { Clock.realtimeNanoseconds() / 1_000_000_000 }
}
