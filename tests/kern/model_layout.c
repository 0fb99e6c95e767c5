/*
 * vmspace-rs model: sizes, alignments, offsets and constants of the model
 * headers, by name, for the layout test (tests/harness/tests/layout.rs),
 * which checks them against ../shared/dragonfly-abi/x86_64.json.  Entries are
 * computed by the compiler (sizeof, _Alignof, offsetof), never typed in.
 */
#include "model_impl.h"

struct layout_size {
	const char	*strct;
	long		size;
	long		align;
};

struct layout_off {
	const char	*strct;
	const char	*field;
	long		off;
};

struct layout_const {
	const char	*name;
	long long	value;
};

#define S(name, type)		{ name, (long)sizeof(type), (long)_Alignof(type) }
#define O(name, type, field)	{ name, #field, (long)__builtin_offsetof(type, field) }
#define ON(name, type, fname, field) \
	{ name, fname, (long)__builtin_offsetof(type, field) }
#define C(name)			{ #name, (long long)(name) }

static const struct layout_size sizes[] = {
	S("lwkt_token", struct lwkt_token),
	S("savetls", struct savetls),
	S("spinlock", struct spinlock),
	S("sysmsg", struct sysmsg),
	S("trapframe", struct trapframe),
	S("vextframe", struct vextframe),
	S("vkernel_lwp", struct vkernel_lwp),
	S("vkernel_proc", struct vkernel_proc),
	S("vmspace_create_args", struct vmspace_create_args),
	S("vmspace_ctl_args", struct vmspace_ctl_args),
	S("vmspace_destroy_args", struct vmspace_destroy_args),
	S("vmspace_entry", struct vmspace_entry),
	S("vmspace_mcontrol_args", struct vmspace_mcontrol_args),
	S("vmspace_mmap_args", struct vmspace_mmap_args),
	S("vmspace_munmap_args", struct vmspace_munmap_args),
	S("vmspace_pread_args", struct vmspace_pread_args),
	S("vmspace_pwrite_args", struct vmspace_pwrite_args),
	S("vmspace_rb_tree", struct vmspace_rb_tree),
	{ NULL, 0, 0 }
};

static const struct layout_off offsets[] = {
	O("lwp", struct lwp, lwp_proc),
	O("lwp", struct lwp, lwp_vkernel),
	O("lwp", struct lwp, lwp_thread),
	O("proc", struct proc, p_pid),
	O("proc", struct proc, p_vmspace),
	O("proc", struct proc, p_lwp_tree),
	O("proc", struct proc, p_vkernel),
	O("proc", struct proc, p_token),
	O("sysmsg", struct sysmsg, sm_result),
	O("sysmsg", struct sysmsg, sm_frame),
	O("thread", struct thread, td_lwp),
	O("thread", struct thread, td_proc),
	O("thread", struct thread, td_vmm),
	ON("thread", struct thread, "td_tls", td_mach.mtd_savetls),
	O("trapframe", struct trapframe, tf_rdi),
	O("trapframe", struct trapframe, tf_rsi),
	O("trapframe", struct trapframe, tf_rdx),
	O("trapframe", struct trapframe, tf_rcx),
	O("trapframe", struct trapframe, tf_r8),
	O("trapframe", struct trapframe, tf_r9),
	O("trapframe", struct trapframe, tf_rax),
	O("trapframe", struct trapframe, tf_rbx),
	O("trapframe", struct trapframe, tf_rbp),
	O("trapframe", struct trapframe, tf_r10),
	O("trapframe", struct trapframe, tf_r11),
	O("trapframe", struct trapframe, tf_r12),
	O("trapframe", struct trapframe, tf_r13),
	O("trapframe", struct trapframe, tf_r14),
	O("trapframe", struct trapframe, tf_r15),
	O("trapframe", struct trapframe, tf_xflags),
	O("trapframe", struct trapframe, tf_trapno),
	O("trapframe", struct trapframe, tf_addr),
	O("trapframe", struct trapframe, tf_flags),
	O("trapframe", struct trapframe, tf_err),
	O("trapframe", struct trapframe, tf_rip),
	O("trapframe", struct trapframe, tf_cs),
	O("trapframe", struct trapframe, tf_rflags),
	O("trapframe", struct trapframe, tf_rsp),
	O("trapframe", struct trapframe, tf_ss),
	O("vextframe", struct vextframe, vx_tls),
	O("vkernel_lwp", struct vkernel_lwp, save_trapframe),
	O("vkernel_lwp", struct vkernel_lwp, save_vextframe),
	O("vkernel_lwp", struct vkernel_lwp, user_trapframe),
	O("vkernel_lwp", struct vkernel_lwp, user_vextframe),
	O("vkernel_lwp", struct vkernel_lwp, ve),
#ifdef MODEL_REV_2017
	O("vkernel_lwp", struct vkernel_lwp, ve_cache),
#endif
	O("vkernel_proc", struct vkernel_proc, root),
	O("vkernel_proc", struct vkernel_proc, token),
	O("vkernel_proc", struct vkernel_proc, refs),
	O("vkernel_proc", struct vkernel_proc, vkernel_cr3),
	O("vmspace", struct vmspace, vm_map),
	O("vmspace", struct vmspace, vm_pmap),
	O("vmspace_create_args", struct vmspace_create_args, id),
	O("vmspace_create_args", struct vmspace_create_args, type),
	O("vmspace_create_args", struct vmspace_create_args, data),
	O("vmspace_ctl_args", struct vmspace_ctl_args, id),
	O("vmspace_ctl_args", struct vmspace_ctl_args, cmd),
	O("vmspace_ctl_args", struct vmspace_ctl_args, tframe),
	O("vmspace_ctl_args", struct vmspace_ctl_args, vframe),
	O("vmspace_destroy_args", struct vmspace_destroy_args, id),
	O("vmspace_entry", struct vmspace_entry, id),
	O("vmspace_entry", struct vmspace_entry, vmspace),
	O("vmspace_entry", struct vmspace_entry, flags),
	O("vmspace_entry", struct vmspace_entry, refs),
#ifdef MODEL_REV_2017
	O("vmspace_entry", struct vmspace_entry, cache_refs),
#endif
#ifdef MODEL_REV_d95d5e03dc
	O("vmspace_entry", struct vmspace_entry, token),
#endif
	O("vmspace_entry", struct vmspace_entry, rb_entry),
	ON("vmspace_entry", struct vmspace_entry, "rb_entry.rbe_left", rb_entry.rbe_left),
	ON("vmspace_entry", struct vmspace_entry, "rb_entry.rbe_right", rb_entry.rbe_right),
	ON("vmspace_entry", struct vmspace_entry, "rb_entry.rbe_parent", rb_entry.rbe_parent),
	ON("vmspace_entry", struct vmspace_entry, "rb_entry.rbe_color", rb_entry.rbe_color),
	O("vmspace_mcontrol_args", struct vmspace_mcontrol_args, id),
	O("vmspace_mcontrol_args", struct vmspace_mcontrol_args, addr),
	O("vmspace_mcontrol_args", struct vmspace_mcontrol_args, len),
	O("vmspace_mcontrol_args", struct vmspace_mcontrol_args, behav),
	O("vmspace_mcontrol_args", struct vmspace_mcontrol_args, value),
	O("vmspace_mmap_args", struct vmspace_mmap_args, id),
	O("vmspace_mmap_args", struct vmspace_mmap_args, addr),
	O("vmspace_mmap_args", struct vmspace_mmap_args, len),
	O("vmspace_mmap_args", struct vmspace_mmap_args, prot),
	O("vmspace_mmap_args", struct vmspace_mmap_args, flags),
	O("vmspace_mmap_args", struct vmspace_mmap_args, fd),
	O("vmspace_mmap_args", struct vmspace_mmap_args, offset),
	O("vmspace_munmap_args", struct vmspace_munmap_args, id),
	O("vmspace_munmap_args", struct vmspace_munmap_args, addr),
	O("vmspace_munmap_args", struct vmspace_munmap_args, len),
	O("vmspace_pread_args", struct vmspace_pread_args, id),
	O("vmspace_pread_args", struct vmspace_pread_args, buf),
	O("vmspace_pread_args", struct vmspace_pread_args, nbyte),
	O("vmspace_pread_args", struct vmspace_pread_args, flags),
	O("vmspace_pread_args", struct vmspace_pread_args, offset),
	O("vmspace_pwrite_args", struct vmspace_pwrite_args, id),
	O("vmspace_pwrite_args", struct vmspace_pwrite_args, buf),
	O("vmspace_pwrite_args", struct vmspace_pwrite_args, nbyte),
	O("vmspace_pwrite_args", struct vmspace_pwrite_args, flags),
	O("vmspace_pwrite_args", struct vmspace_pwrite_args, offset),
	O("vmspace_rb_tree", struct vmspace_rb_tree, rbh_root),
	O("vmspace_rb_tree", struct vmspace_rb_tree, rbh_inprog),
	O("vmspace_rb_tree", struct vmspace_rb_tree, rbh_spin),
	{ NULL, NULL, 0 }
};

static const struct layout_const consts[] = {
	C(EACCES),
	C(EBUSY),
	C(EEXIST),
	C(EFAULT),
	C(EINVAL),
	C(EJUSTRETURN),
	C(ENOENT),
	C(ENOMEM),
	C(EOPNOTSUPP),
	C(EPERM),
	C(ESRCH),
	{ "GSEL_GUCODE_SEL_SEL_UPL", GSEL(GUCODE_SEL, SEL_UPL) },
	{ "GSEL_GUDATA_SEL_SEL_UPL", GSEL(GUDATA_SEL, SEL_UPL) },
	C(LONG_BIT),
	C(MADV_CONTROL_END),
	C(MADV_INVAL),
	C(MADV_SETMAP),
	C(MAP_ANON),
	C(MAP_FIXED),
	C(MAP_PRIVATE),
	C(MAP_SHARED),
	C(MAP_VPAGETABLE),
	C(M_WAITOK),
	C(M_ZERO),
	C(PAGE_MASK),
	C(PAGE_SIZE),
	C(PROT_EXEC),
	C(PROT_READ),
	C(PROT_WRITE),
	C(PSL_I),
	C(PSL_RESERVED_DEFAULT),
	C(PSL_RF),
	C(PSL_USERCHANGE),
	C(PSL_VM_UNSUPP),
#ifdef VKE_DELETED
	C(VKE_DELETED),
#endif
#ifdef VKE_REF_DELETED
	C(VKE_REF_DELETED),
#endif
	C(VMSPACE_CTL_RUN),
	C(VM_MAX_USER_ADDRESS),
	C(VM_MIN_USER_ADDRESS),
	C(VM_PROT_NONE),
	{ NULL, 0 }
};

static int
streq(const char *a, const char *b)
{
	return (__builtin_strcmp(a, b) == 0);
}

int
model_layout_size(const char *strct, long *size, long *align)
{
	const struct layout_size *s;

	for (s = sizes; s->strct != NULL; ++s) {
		if (streq(s->strct, strct)) {
			*size = s->size;
			*align = s->align;
			return (0);
		}
	}
	return (-1);
}

int
model_layout_offset(const char *strct, const char *field, long *off)
{
	const struct layout_off *o;

	for (o = offsets; o->strct != NULL; ++o) {
		if (streq(o->strct, strct) && streq(o->field, field)) {
			*off = o->off;
			return (0);
		}
	}
	return (-1);
}

int
model_layout_const(const char *name, long long *value)
{
	const struct layout_const *c;

	for (c = consts; c->name != NULL; ++c) {
		if (streq(c->name, name)) {
			*value = c->value;
			return (0);
		}
	}
	return (-1);
}
