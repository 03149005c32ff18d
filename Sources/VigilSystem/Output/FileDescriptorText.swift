import Glibc

/// One unbuffered write of a message to a descriptor (diagnostics, summaries).
public enum FileDescriptorText {
    public static func write(_ text: String, to fd: Int32) {
        let out = Output(fd: fd)
        out.write(text)
        out.flush()
    }
}
