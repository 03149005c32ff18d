/* Reads of the VFS objects behind an open file or a working directory: the fd
 * table, struct file, inode, dentry and mount, and the absolute path they make.
 *
 * Each bpf_probe_read_kernel costs a few dozen nanoseconds (fault handling is set
 * up and the address checked every time), and a path walk made five of them per
 * component. So fields that sit next to each other are read together, one probe
 * per object: their offsets come from the running kernel's BTF (CO-RE), and where
 * they are not adjacent the code falls back to one read per field. The branch is on
 * relocated constants, so the verifier keeps only the one this kernel takes. */
#ifndef VIGIL_VFS_BPF_H
#define VIGIL_VFS_BPF_H

/* Path assembly space: a path is written backwards into the first half; the
 * second half only lets the verifier prove that masked offsets stay inside. */
#define VIGIL_PATH_BUF 4096
#define VIGIL_PATH_DEPTH 48
struct path_scratch {
    char buf[VIGIL_PATH_BUF * 2];
};
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct path_scratch);
} path_space SEC(".maps");

/* A field at a relocated offset inside a window read from the start of an object. */
#define VIGIL_AT(window, type, offset) (*(type *)((char *)(window) + (offset)))

/* The open file behind descriptor `fd` of `task`, or NULL. The fd table's size
 * and array are adjacent: one read. */
static __always_inline struct file *fd_file(struct task_struct *task, __u64 fd)
{
    struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
    if (!fdt)
        return NULL;
    __u32 max = bpf_core_field_offset(struct fdtable, max_fds);
    __u32 array = bpf_core_field_offset(struct fdtable, fd);
    __u64 size;
    struct file **fds;
    if (max == 0 && array == 8) {
        __u64 w[2];
        if (bpf_probe_read_kernel(w, sizeof(w), fdt) != 0)
            return NULL;
        size = (__u32)w[0];
        fds = (struct file **)w[1];
    } else {
        size = BPF_CORE_READ(fdt, max_fds);
        fds = BPF_CORE_READ(fdt, fd);
    }
    if (fd >= size)
        return NULL;
    struct file *f = NULL;
    bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
    return f;
}

/* What a path capture needs of an open file. */
struct file_facts {
    __u32 type;            /* S_IFMT >> 12 of its inode: 8 regular, 4 directory, 12 socket */
    __u32 mode;            /* f_mode (FMODE_*) */
    struct inode *inode;
    struct dentry *dentry;
    struct vfsmount *mnt;
};

#define VIGIL_FILE_WINDOW 96
#define VIGIL_INODE_WINDOW 80

/* f_mode, f_inode and f_path in one read (they are in the first 80 bytes of struct
 * file on 6.18), then, when `with_type`, the inode's mode (type 0 otherwise: a write's
 * check needs only the inode). Returns false for NULL. */
static __always_inline bool read_file(struct file *f, struct file_facts *out, bool with_type)
{
    if (!f)
        return false;
    __u32 mode = bpf_core_field_offset(struct file, f_mode);
    __u32 inode = bpf_core_field_offset(struct file, f_inode);
    __u32 path = bpf_core_field_offset(struct file, f_path);
    if (mode + 4 <= VIGIL_FILE_WINDOW && inode + 8 <= VIGIL_FILE_WINDOW && path + 16 <= VIGIL_FILE_WINDOW &&
        bpf_core_field_offset(struct path, mnt) == 0 && bpf_core_field_offset(struct path, dentry) == 8) {
        __u64 w[VIGIL_FILE_WINDOW / 8];
        if (bpf_probe_read_kernel(w, sizeof(w), f) != 0)
            return false;
        out->mode = VIGIL_AT(w, __u32, mode);
        out->inode = VIGIL_AT(w, struct inode *, inode);
        out->mnt = VIGIL_AT(w, struct vfsmount *, path);
        out->dentry = VIGIL_AT(w, struct dentry *, path + 8);
    } else {
        out->mode = BPF_CORE_READ(f, f_mode);
        out->inode = BPF_CORE_READ(f, f_inode);
        out->mnt = BPF_CORE_READ(f, f_path.mnt);
        out->dentry = BPF_CORE_READ(f, f_path.dentry);
    }
    /* Through a local: inside BPF_CORE_READ, out->inode would itself be relocated. */
    struct inode *i = out->inode;
    out->type = with_type && i ? (BPF_CORE_READ(i, i_mode) >> 12) & 0xf : 0;
    return true;
}

/* The task's working directory: its struct path (mount, dentry) in one read. */
static __always_inline bool read_cwd(struct task_struct *task, struct dentry **dentry, struct vfsmount **mnt)
{
    struct fs_struct *fs = BPF_CORE_READ(task, fs);
    if (!fs)
        return false;
    if (bpf_core_field_offset(struct path, mnt) == 0 && bpf_core_field_offset(struct path, dentry) == 8) {
        __u64 w[2];
        if (bpf_probe_read_kernel(w, sizeof(w), (char *)fs + bpf_core_field_offset(struct fs_struct, pwd)) != 0)
            return false;
        *mnt = (struct vfsmount *)w[0];
        *dentry = (struct dentry *)w[1];
    } else {
        *mnt = BPF_CORE_READ(fs, pwd.mnt);
        *dentry = BPF_CORE_READ(fs, pwd.dentry);
    }
    return true;
}

/* A file by device and inode number: what file integrity watches for writes. */
struct inode_key {
    __u64 dev;
    __u64 ino;
};

static __always_inline bool inode_key_of(struct inode *inode, struct inode_key *key)
{
    if (!inode)
        return false;
    __u32 sb = bpf_core_field_offset(struct inode, i_sb);
    __u32 ino = bpf_core_field_offset(struct inode, i_ino);
    struct super_block *s;
    if (sb + 8 <= VIGIL_INODE_WINDOW && ino + 8 <= VIGIL_INODE_WINDOW) {
        __u64 w[VIGIL_INODE_WINDOW / 8];
        if (bpf_probe_read_kernel(w, sizeof(w), inode) != 0)
            return false;
        s = VIGIL_AT(w, struct super_block *, sb);
        key->ino = VIGIL_AT(w, __u64, ino);
    } else {
        s = BPF_CORE_READ(inode, i_sb);
        key->ino = BPF_CORE_READ(inode, i_ino);
    }
    key->dev = BPF_CORE_READ(s, s_dev);
    return true;
}

/* A dentry's parent and name, which are adjacent in struct dentry. */
struct dentry_link {
    struct dentry *parent;
    __u32 len;
    const unsigned char *name;
};

static __always_inline void read_dentry_link(struct dentry *d, struct dentry_link *l)
{
    __u32 parent = bpf_core_field_offset(struct dentry, d_parent);
    if (bpf_core_field_offset(struct dentry, d_name) == parent + 8 && bpf_core_field_offset(struct qstr, len) == 4 &&
        bpf_core_field_offset(struct qstr, name) == 8) {
        __u64 w[3];
        if (bpf_probe_read_kernel(w, sizeof(w), (char *)d + parent) != 0)
            w[0] = w[1] = w[2] = 0;
        l->parent = (struct dentry *)w[0];
        l->len = w[1] >> 32;
        l->name = (const unsigned char *)w[2];
    } else {
        l->parent = BPF_CORE_READ(d, d_parent);
        l->len = BPF_CORE_READ(d, d_name.len);
        l->name = BPF_CORE_READ(d, d_name.name);
    }
}

/* Where a mount hangs in the tree, and its root: three adjacent fields of struct mount. */
struct mount_link {
    struct mount *parent;
    struct dentry *mountpoint;
    struct dentry *root;
};

static __always_inline void read_mount_link(struct mount *m, struct mount_link *l)
{
    __u32 parent = bpf_core_field_offset(struct mount, mnt_parent);
    if (bpf_core_field_offset(struct mount, mnt_mountpoint) == parent + 8 &&
        bpf_core_field_offset(struct mount, mnt.mnt_root) == parent + 16) {
        if (bpf_probe_read_kernel(l, sizeof(*l), (char *)m + parent) != 0)
            l->parent = NULL, l->mountpoint = NULL, l->root = NULL;
    } else {
        l->parent = BPF_CORE_READ(m, mnt_parent);
        l->mountpoint = BPF_CORE_READ(m, mnt_mountpoint);
        l->root = BPF_CORE_READ(m, mnt.mnt_root);
    }
}

/* Writes the absolute path of (dentry, vfsmount), as the global root sees it,
 * into dst (at most VIGIL_PATH_BUF - 1 bytes, NUL-terminated). Returns its
 * length; *truncated is set when it was deeper or longer than that. The kernel's
 * d_path() cannot be called from tracepoints, so the dentry chain is walked here,
 * crossing mount points: two reads per component (its links, its name) and one
 * per mount. */
static __always_inline __u32 write_path(struct dentry *d, struct vfsmount *vfsmnt, char *dst, __u8 *truncated)
{
    __u32 zero = 0;
    struct path_scratch *s = bpf_map_lookup_elem(&path_space, &zero);
    *truncated = 0;
    if (!s)
        return 0;
    struct mount *mnt = (struct mount *)((char *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
    struct mount_link m;
    read_mount_link(mnt, &m);
    __u32 pos = VIGIL_PATH_BUF - 1;
    s->buf[VIGIL_PATH_BUF - 1] = 0;
    bool done = false;
    for (int i = 0; i < VIGIL_PATH_DEPTH; i++) {
        if (d == m.root) {
            if (!m.parent)
                break; /* an unreadable mount: the path is cut here */
            if (m.parent == mnt) {
                done = true;
                break;
            }
            d = m.mountpoint;
            mnt = m.parent;
            read_mount_link(mnt, &m);
            continue;
        }
        struct dentry_link l;
        read_dentry_link(d, &l);
        if (!l.parent)
            break; /* an unreadable dentry: the path is cut here */
        if (d == l.parent) {
            done = true;
            break;
        }
        __u32 len = l.len;
        if (len + 2 > pos) {
            *truncated = 1;
            break;
        }
        pos -= len;
        bpf_probe_read_kernel(&s->buf[pos & (VIGIL_PATH_BUF - 1)], len & (VIGIL_PATH_BUF - 1), l.name);
        pos -= 1;
        s->buf[pos & (VIGIL_PATH_BUF - 1)] = '/';
        d = l.parent;
    }
    if (!done)
        *truncated = 1;
    if (pos == VIGIL_PATH_BUF - 1) {
        pos -= 1;
        s->buf[pos & (VIGIL_PATH_BUF - 1)] = '/';
    }
    __u32 len = VIGIL_PATH_BUF - 1 - pos;
    bpf_probe_read_kernel(dst, (len + 1) & (VIGIL_PATH_BUF - 1), &s->buf[pos & (VIGIL_PATH_BUF - 1)]);
    return len;
}

#endif
