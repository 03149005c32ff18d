/// A disk or partition from /sys/block.
public struct BlockDevice: Sendable, Equatable {
    /// Kernel name (sda, sda1, nvme0n1p2).
    public var name: String
    /// The disk a partition belongs to; nil for a whole disk.
    public var parent: String?
    public var vendor: String
    public var model: String
    public var serial: String
    /// Size in 512-byte sectors, as sysfs reports it.
    public var sectors: Int64
    /// Logical block size in bytes.
    public var blockSize: Int64
    /// "major:minor".
    public var devNumber: String
}

/// Filesystem identity udev recorded for a device (blkid probes it at hotplug).
public struct FilesystemProbe: Sendable, Equatable {
    public var uuid = ""
    public var type = ""
    public var label = ""
}

public enum BlockDevices {
    public static let root = "/sys/block"

    /// Every disk in /sys/block followed by its partitions.
    public static func read() throws(SystemError) -> [BlockDevice] {
        var out: [BlockDevice] = []
        for disk in try FileSystem.list(root).sorted() {
            let dir = "\(root)/\(disk)"
            // Removed between the listing and now: skip it.
            guard let d = device(disk, dir: dir, parent: nil, blockSize: nil) else { continue }
            out.append(d)
            let children = (try? FileSystem.list(dir)) ?? []
            for part in children.sorted() where FileSystem.exists("\(dir)/\(part)/partition") {
                if let p = device(part, dir: "\(dir)/\(part)", parent: disk, blockSize: d.blockSize) { out.append(p) }
            }
        }
        return out
    }

    static func device(_ name: String, dir: String, parent: String?, blockSize: Int64?) -> BlockDevice? {
        guard let size = attribute("\(dir)/size").flatMap({ Int64($0) }) else { return nil }
        // Vendor, model and serial describe the disk; partitions inherit them.
        let diskDir = parent.map { "\(root)/\($0)" } ?? dir
        return BlockDevice(
            name: name, parent: parent,
            vendor: attribute("\(diskDir)/device/vendor") ?? "",
            model: attribute("\(diskDir)/device/model") ?? "",
            serial: attribute("\(diskDir)/device/serial") ?? attribute("\(diskDir)/serial") ?? "",
            sectors: size,
            blockSize: blockSize ?? attribute("\(dir)/queue/logical_block_size").flatMap({ Int64($0) }) ?? 512,
            devNumber: attribute("\(dir)/dev") ?? "")
    }

    static func attribute(_ path: String) -> String? {
        FileSystem.readTextIfPresent(path)?.trimmingCharacters()
    }

    /// Filesystem UUID, type and label from udev's database (/run/udev/data/bMAJ:MIN),
    /// falling back to the /dev/disk/by-uuid and by-label links when udev keeps no record.
    public static func probe(_ device: BlockDevice, links: DiskLinks) -> FilesystemProbe {
        var p = FilesystemProbe()
        if let text = FileSystem.readTextIfPresent("/run/udev/data/b\(device.devNumber)") {
            for line in FileSystem.lines(text) where line.hasPrefix("E:ID_FS_") {
                let kv = line.dropFirst(8).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard kv.count == 2 else { continue }
                switch kv[0] {
                case "UUID": p.uuid = String(kv[1])
                case "TYPE": p.type = String(kv[1])
                case "LABEL": p.label = String(kv[1])
                default: break
                }
            }
        }
        if p.uuid.isEmpty { p.uuid = links.uuids[device.name] ?? "" }
        if p.label.isEmpty { p.label = links.labels[device.name] ?? "" }
        return p
    }
}

/// /dev/disk/by-uuid and /dev/disk/by-label, inverted: device name → UUID / label.
public struct DiskLinks: Sendable {
    public var uuids: [String: String] = [:]
    public var labels: [String: String] = [:]

    public init(uuids: [String: String] = [:], labels: [String: String] = [:]) {
        self.uuids = uuids
        self.labels = labels
    }

    public static func read() -> DiskLinks {
        DiskLinks(uuids: invert("/dev/disk/by-uuid"), labels: invert("/dev/disk/by-label"))
    }

    static func invert(_ dir: String) -> [String: String] {
        var out: [String: String] = [:]
        for link in (try? FileSystem.list(dir)) ?? [] {
            guard let target = try? FileSystem.readLink("\(dir)/\(link)") else { continue }
            // Targets look like ../../sda1; labels escape "/" and spaces as \x2f, \x20.
            let name = String(target.split(separator: "/").last ?? "")
            out[name] = link.replacingHexEscapes()
        }
        return out
    }
}

extension String {
    /// udev's \xNN escapes decoded.
    func replacingHexEscapes() -> String {
        guard contains("\\x") else { return self }
        var bytes = Array(utf8)[...]
        var out: [UInt8] = []
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "\\"), bytes.first == UInt8(ascii: "x"), bytes.count >= 3,
               let v = UInt8(String(decoding: bytes.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(3)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
