/*
 * vmspace-rs userland model of DragonFly's <sys/sysproto.h>, restricted to
 * the vmspace system calls.  Every argument is padded to a register_t, and
 * in the kernel the structure starts with a struct sysmsg.
 */
#ifndef _SYS_SYSPROTO_H_
#define _SYS_SYSPROTO_H_

#include <sys/types.h>
#include <sys/sysmsg.h>

struct trapframe;
struct vextframe;

#define PAD_(t)	(sizeof(register_t) <= sizeof(t) ? \
		 0 : sizeof(register_t) - sizeof(t))

struct vmspace_create_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
	int	type;	char type_[PAD_(int)];
	void	*data;	char data_[PAD_(void *)];
};
struct vmspace_destroy_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
};
struct vmspace_ctl_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
	int	cmd;	char cmd_[PAD_(int)];
	struct trapframe *tframe; char tframe_[PAD_(struct trapframe *)];
	struct vextframe *vframe; char vframe_[PAD_(struct vextframe *)];
};
struct vmspace_mmap_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
	void	*addr;	char addr_[PAD_(void *)];
	size_t	len;	char len_[PAD_(size_t)];
	int	prot;	char prot_[PAD_(int)];
	int	flags;	char flags_[PAD_(int)];
	int	fd;	char fd_[PAD_(int)];
	off_t	offset;	char offset_[PAD_(off_t)];
};
struct vmspace_munmap_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
	void	*addr;	char addr_[PAD_(void *)];
	size_t	len;	char len_[PAD_(size_t)];
};
struct vmspace_mcontrol_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
	void	*addr;	char addr_[PAD_(void *)];
	size_t	len;	char len_[PAD_(size_t)];
	int	behav;	char behav_[PAD_(int)];
	off_t	value;	char value_[PAD_(off_t)];
};
struct vmspace_pread_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
	void	*buf;	char buf_[PAD_(void *)];
	size_t	nbyte;	char nbyte_[PAD_(size_t)];
	int	flags;	char flags_[PAD_(int)];
	off_t	offset;	char offset_[PAD_(off_t)];
};
struct vmspace_pwrite_args {
#ifdef _KERNEL
	struct sysmsg sysmsg;
#endif
	void	*id;	char id_[PAD_(void *)];
	const void *buf; char buf_[PAD_(const void *)];
	size_t	nbyte;	char nbyte_[PAD_(size_t)];
	int	flags;	char flags_[PAD_(int)];
	off_t	offset;	char offset_[PAD_(off_t)];
};

#ifdef _KERNEL

int	sys_vmspace_create(struct vmspace_create_args *);
int	sys_vmspace_destroy(struct vmspace_destroy_args *);
int	sys_vmspace_ctl(struct vmspace_ctl_args *);
int	sys_vmspace_mmap(struct vmspace_mmap_args *);
int	sys_vmspace_munmap(struct vmspace_munmap_args *);
int	sys_vmspace_mcontrol(struct vmspace_mcontrol_args *);
int	sys_vmspace_pread(struct vmspace_pread_args *);
int	sys_vmspace_pwrite(struct vmspace_pwrite_args *);

#endif /* _KERNEL */

#endif /* !_SYS_SYSPROTO_H_ */
