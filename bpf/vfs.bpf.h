/* Reads of the VFS objects behind an open file or a working directory: the fd
 * table, struct file, inode, dentry and mount, and the absolute path they make.
 *
 * Each bpf_probe_read_kernel costs a few dozen nanoseconds (a helper call, fault
 * handling set up and the address checked every time), and a path walk made
 * several per component. Fields are read instead by plain loads through a kernel
 * view of the object (bpf_rdonly_cast): the JIT emits one instruction with a fault
 * fixup, at offsets relocated against the running kernel's BTF (CO-RE). What is
 * left to probes: the fd table (see fd_file) and the name bytes. */
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

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* A kernel address seen as a `type` whose fields are read by plain loads: the
 * verifier lets them through (a bad address reads as 0, as a probe would), and
 * each costs a load rather than a helper call. */
#define VIGIL_KERNEL_VIEW(type, p) ((type *)bpf_rdonly_cast((const void *)(p), bpf_core_type_id_kernel(type)))

/* The open file behind descriptor `fd` of `task`, or NULL. The fd table's size
 * and array (adjacent) are read by a probe, as is the array's slot at a variable
 * index: loading the two fields through a kernel view instead tripled the
 * verifier's work on syscall_exit (fd_file is inlined at each of its uses). */
static __always_inline struct file *fd_file(struct task_struct *task, __u64 fd)
{
    struct fdtable *fdt = VIGIL_KERNEL_VIEW(struct task_struct, task)->files->fdt;
    __u32 max = bpf_core_field_offset(struct fdtable, max_fds);
    __u32 array = bpf_core_field_offset(struct fdtable, fd);
    __u64 size;
    struct file **fds;
    if (max == 0 && array == 8) {
        __u64 w[2];
        if (bpf_probe_read_kernel(w, sizeof(w), (char *)fdt) != 0)
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

/* Its mode flags, inode and path, then, when `with_type`, the inode's type (0
 * otherwise: a write's check needs only the inode). Returns false for NULL. */
static __always_inline bool read_file(struct file *f, struct file_facts *out, bool with_type)
{
    if (!f)
        return false;
    struct file *k = VIGIL_KERNEL_VIEW(struct file, f);
    out->mode = k->f_mode;
    out->inode = k->f_inode;
    out->mnt = k->f_path.mnt;
    out->dentry = k->f_path.dentry;
    out->type = with_type ? (k->f_inode->i_mode >> 12) & 0xf : 0;
    return true;
}

/* The task's working directory: the mount and dentry of its struct path. */
static __always_inline bool read_cwd(struct task_struct *task, struct dentry **dentry, struct vfsmount **mnt)
{
    struct fs_struct *fs = VIGIL_KERNEL_VIEW(struct task_struct, task)->fs;
    if (!fs)
        return false;
    *mnt = fs->pwd.mnt;
    *dentry = fs->pwd.dentry;
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
    struct inode *k = VIGIL_KERNEL_VIEW(struct inode, inode);
    key->ino = k->i_ino;
    key->dev = k->i_sb->s_dev;
    return true;
}

/* A dentry's parent and name. */
struct dentry_link {
    struct dentry *parent;
    __u32 len;
    const unsigned char *name;
};

static __always_inline void read_dentry_link(struct dentry *d, struct dentry_link *l)
{
    struct dentry *k = VIGIL_KERNEL_VIEW(struct dentry, d);
    l->parent = k->d_parent;
    l->len = k->d_name.len;
    l->name = k->d_name.name;
}

/* Where a mount hangs in the tree, and its root. */
struct mount_link {
    struct mount *parent;
    struct dentry *mountpoint;
    struct dentry *root;
};

static __always_inline void read_mount_link(struct mount *m, struct mount_link *l)
{
    struct mount *k = VIGIL_KERNEL_VIEW(struct mount, m);
    l->parent = k->mnt_parent;
    l->mountpoint = k->mnt_mountpoint;
    l->root = k->mnt.mnt_root;
}

/* Writes the absolute path of (dentry, vfsmount), as the global root sees it,
 * into dst (at most VIGIL_PATH_BUF - 1 bytes, NUL-terminated). Returns its
 * length; *truncated is set when it was deeper or longer than that. The kernel's
 * d_path() cannot be called from tracepoints, so the dentry chain is walked here,
 * crossing mount points: one probe per component (its name). */
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
