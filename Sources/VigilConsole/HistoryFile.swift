import Glibc

/// Where the shell may save its history. libedit's save truncates the file and sets its
/// mode to 0600: run as root with `--history /dev/null` (a common way to keep none),
/// that made /dev/null unusable by every other user. Only a regular file, or a path
/// with nothing there yet, is written; never a device, FIFO, directory or symbolic link.
enum HistoryFile {
    static func isWritable(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return errno == ENOENT }
        return (st.st_mode & S_IFMT) == S_IFREG
    }
}
