/*
 * vmspace-rs userland model of DragonFly's <vm/vm.h>.
 */
#ifndef _VM_VM_H_
#define _VM_VM_H_

#include <sys/types.h>

typedef char		vm_inherit_t;	/* inheritance codes */
#define VM_INHERIT_SHARE	((vm_inherit_t) 0)
#define VM_INHERIT_COPY		((vm_inherit_t) 1)
#define VM_INHERIT_NONE		((vm_inherit_t) 2)
#define VM_INHERIT_DEFAULT	VM_INHERIT_COPY

typedef u_char		vm_prot_t;	/* protection codes */
#define VM_PROT_NONE		((vm_prot_t) 0x00)
#define VM_PROT_READ		((vm_prot_t) 0x01)
#define VM_PROT_WRITE		((vm_prot_t) 0x02)
#define VM_PROT_EXECUTE		((vm_prot_t) 0x04)
#define VM_PROT_OVERRIDE_WRITE	((vm_prot_t) 0x08)
#define VM_PROT_NOSYNC		((vm_prot_t) 0x10)
#define VM_PROT_RW		(VM_PROT_READ | VM_PROT_WRITE)
#define VM_PROT_ALL		(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)
#define VM_PROT_DEFAULT		VM_PROT_ALL

typedef u_char		vm_maptype_t;	/* type of vm_map_entry */
#define VM_MAPTYPE_UNSPECIFIED	0
#define VM_MAPTYPE_NORMAL	1
#define VM_MAPTYPE_VPAGETABLE	2
#define VM_MAPTYPE_SUBMAP	3
#define VM_MAPTYPE_UKSMAP	4

struct vm_map;
struct vm_map_entry;
struct vm_object;
struct vmspace;
struct pmap;

typedef struct vm_map		*vm_map_t;
typedef struct vm_map_entry	*vm_map_entry_t;
typedef struct vm_object	*vm_object_t;
typedef struct pmap		*pmap_t;

/* Mach-style return codes of the vm_map layer. */
#define KERN_SUCCESS		0
#define KERN_INVALID_ADDRESS	1
#define KERN_PROTECTION_FAILURE	2
#define KERN_NO_SPACE		3
#define KERN_INVALID_ARGUMENT	4
#define KERN_FAILURE		5

#endif /* !_VM_VM_H_ */
