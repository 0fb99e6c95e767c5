/*
 * vm.c: the memory image, its page tables, VMSPACE ids and the vmspace_*
 * calls as lines (vm.h).
 */
#include "vm.h"

int img_fd = -1;
unsigned char *img;

int img_create(void)
{
	long r;

	r = SC3(SYS_open, IMG_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (IS_ERR(r))
		return (int)r;
	img_fd = (int)r;
	r = SC3(SYS_ftruncate, img_fd, 0, IMG_SIZE);
	if (IS_ERR(r))
		return (int)r;
	r = SC7(SYS_mmap, 0, IMG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    img_fd, 0, 0);
	if (IS_ERR(r))
		return (int)r;
	img = (unsigned char *)r;
	return 0;
}

void img_reset(void)
{
	ulong rw = VPTE_V | VPTE_RW | VPTE_U;
	int i;

	memset(img, 0, IMG_SIZE);
	/* one path down the four levels: indices 0, 0, 2, then the page */
	img_page(PG_PML4)[(GVA_CODE >> 39) & 511] = PG_PDP * PAGE_SIZE | rw;
	img_page(PG_PDP)[(GVA_CODE >> 30) & 511] = PG_PD * PAGE_SIZE | rw;
	img_page(PG_PD)[(GVA_CODE >> 21) & 511] = PG_PT * PAGE_SIZE | rw;
	*pte(GVA_CODE) = PG_CODE * PAGE_SIZE | VPTE_V | VPTE_U;	/* read-only */
	*pte(GVA_WIN) = PG_VALA * PAGE_SIZE | rw;
	for (i = 0; i < NSLOTS; i++) {
		*pte(GVA_DATA(i)) = (ulong)PG_DATA(i) * PAGE_SIZE | rw;
		*pte(GVA_STACK(i)) = (ulong)PG_STACK(i) * PAGE_SIZE | rw;
	}
	memcpy(img_page(PG_CODE), guest_start, (ulong)(guest_end - guest_start));
	img_page(PG_VALA)[0] = VALUE_A;
	img_page(PG_VALB)[0] = VALUE_B;
}

static const struct {
	const char *name;
	const char *p;
} entries[] = {
	{ "g_syscall", g_syscall }, { "g_load", g_load }, { "g_store", g_store },
	{ "g_stack", g_stack }, { "g_spin", g_spin }, { "g_int3", g_int3 },
	{ "g_hlt", g_hlt }, { "g_wait", g_wait }, { "g_park", g_park },
};

const char *gva_name(ulong gva, char *buf, int cap)
{
	int i, best = -1;

	for (i = 0; i < (int)(sizeof(entries) / sizeof(entries[0])); i++)
		if (gva_of(entries[i].p) <= gva &&
		    (best < 0 || gva_of(entries[i].p) > gva_of(entries[best].p)))
			best = i;
	if (best < 0 || gva >= gva_of(guest_end))
		fmt(buf, cap, "0x%lx", gva);
	else
		fmt(buf, cap, "%s+%lu", entries[best].name,
		    gva - gva_of(entries[best].p));
	return buf;
}

/* ---- ids and names ---- */

static char ids[NIDS];
static char id_nosuch;

void *ID(int n)
{
	if (n == ID_NULL)
		return 0;
	if (n == ID_NOSUCH || n < 0 || n >= NIDS)
		return &id_nosuch;
	return &ids[n];
}

const char *idname(const void *id)
{
	static char buf[8][16];	/* a few in one line */
	static int k;
	const char *p = id;

	if (id == 0)
		return "NULL";
	if (p == &id_nosuch)
		return "nosuch";
	if (p >= ids && p < ids + NIDS) {
		k = (k + 1) % 8;
		fmt(buf[k], sizeof(buf[k]), "id%d", (int)(p - ids));
		return buf[k];
	}
	return "id?";
}

static struct {
	const void *p;
	const char *name;
} names[32];

void name_ptr(const void *p, const char *name)
{
	int i;

	for (i = 0; i < 32; i++)
		if (names[i].p == 0 || names[i].p == p) {
			names[i].p = p;
			names[i].name = name;
			return;
		}
}

const char *ptrname(const void *p, char *buf, int cap)
{
	int i;

	if (p == 0)
		return "NULL";
	for (i = 0; i < 32 && names[i].p; i++)
		if (names[i].p == p)
			return names[i].name;
	fmt(buf, cap, "ptr?");	/* never a raw host address */
	return buf;
}

void tf_init(struct trapframe *tf, const char *entry, int slot)
{
	memset(tf, 0, sizeof(*tf));
	tf->tf_rax = GUEST_SYSNO;
	tf->tf_rbx = 0x1111111111111111L;
	tf->tf_rcx = 0x3333333333333333L;
	tf->tf_rdx = 0x4444444444444444L;
	tf->tf_rsi = 0x5555555555555555L;
	tf->tf_rdi = 0x6666666666666666L;
	tf->tf_rbp = 0x2222222222222222L;
	tf->tf_r8 = 0x0808080808080808L;
	tf->tf_r9 = 0x0909090909090909L;
	tf->tf_r10 = 0x1010101010101010L;
	tf->tf_r11 = 0x0b0b0b0b0b0b0b0bL;
	tf->tf_r12 = 0x1212121212121212L;
	tf->tf_r13 = 0x1313131313131313L;
	tf->tf_r14 = 0x1414141414141414L;
	tf->tf_r15 = 0x1515151515151515L;
	tf->tf_rip = (long)gva_of(entry);
	tf->tf_rsp = (long)GVA_STACK_TOP(slot);
	tf->tf_rflags = 0x202;		/* IF; vmspace_ctl sanitizes it */
}

/* ---- the calls as lines ---- */

static const char *prot_s(int prot)
{
	switch (prot) {
	case 0: return "NONE";
	case PROT_READ: return "R";
	case PROT_READ | PROT_WRITE: return "RW";
	case PROT_READ | PROT_WRITE | PROT_EXEC: return "RWX";
	default: return "?";
	}
}

static const char *flags_s(int flags, char *buf, int cap)
{
	int n = 0;

	buf[0] = 0;
	if (flags & MAP_SHARED)
		n += fmt(buf + n, cap - n, "%sSHARED", n ? "|" : "");
	if (flags & MAP_PRIVATE)
		n += fmt(buf + n, cap - n, "%sPRIVATE", n ? "|" : "");
	if (flags & MAP_ANON)
		n += fmt(buf + n, cap - n, "%sANON", n ? "|" : "");
	if (flags & MAP_VPAGETABLE)
		n += fmt(buf + n, cap - n, "%sVPAGETABLE", n ? "|" : "");
	if (flags & MAP_FIXED)
		n += fmt(buf + n, cap - n, "%sFIXED", n ? "|" : "");
	if (n == 0)
		fmt(buf, cap, "0");
	return buf;
}

static const char *behav_s(int behav, char *buf, int cap)
{
	switch (behav) {
	case MADV_NOSYNC: return "MADV_NOSYNC";
	case MADV_INVAL: return "MADV_INVAL";
	case MADV_SETMAP: return "MADV_SETMAP";
	default:
		fmt(buf, cap, "%d", behav);
		return buf;
	}
}

static const char *fd_s(int fd, char *buf, int cap)
{
	if (fd == img_fd)
		return "img";
	fmt(buf, cap, "%d", fd);
	return buf;
}

/* " = <ret> errno=<n>(<name>)" and the check */
void v_result(const char *call, long r, int want, int hex)
{
	int e = ERRNO(r);
	char rb[24];

	count_call();
	if (e)
		fmt(rb, sizeof(rb), "-1");
	else if (hex)
		fmt(rb, sizeof(rb), "0x%lx", r);
	else
		fmt(rb, sizeof(rb), "%ld", r);
	if (e)
		out("%s: %s %s = %s errno=%d(%s)\n", cur_prefix, cur_sc, call, rb,
		    e, errname(e));
	else
		out("%s: %s %s = %s errno=0\n", cur_prefix, cur_sc, call, rb);
	expect_errno(call, r, want);
}

long v_create(void *id, long type, void *data, int want)
{
	char call[160], b[16];
	long r = SC3(SYS_vmspace_create, id, type, data);

	fmt(call, sizeof(call), "vmspace_create(%s, %ld, %s)", idname(id), type,
	    ptrname(data, b, sizeof(b)));
	v_result(call, r, want, 0);
	return r;
}

long v_destroy(void *id, int want)
{
	char call[160];
	long r = SC1(SYS_vmspace_destroy, id);

	fmt(call, sizeof(call), "vmspace_destroy(%s)", idname(id));
	v_result(call, r, want, 0);
	return r;
}

long v_mmap(void *id, ulong addr, ulong len, int prot, int flags, int fd,
    long off, int want)
{
	char call[200], fb[64], db[16];
	long r = SC7(SYS_vmspace_mmap, id, addr, len, prot, flags, fd, off);

	fmt(call, sizeof(call), "vmspace_mmap(%s, 0x%lx, 0x%lx, %s, %s, %s, 0x%lx)",
	    idname(id), addr, len, prot_s(prot), flags_s(flags, fb, sizeof(fb)),
	    fd_s(fd, db, sizeof(db)), off);
	v_result(call, r, want, 1);
	return r;
}

long v_munmap(void *id, ulong addr, ulong len, int want)
{
	char call[160];
	long r = SC3(SYS_vmspace_munmap, id, addr, len);

	fmt(call, sizeof(call), "vmspace_munmap(%s, 0x%lx, 0x%lx)", idname(id),
	    addr, len);
	v_result(call, r, want, 0);
	return r;
}

long v_mcontrol(void *id, ulong addr, ulong len, int behav, long value, int want)
{
	char call[200], bb[16];
	long r = SC5(SYS_vmspace_mcontrol, id, addr, len, behav, value);

	fmt(call, sizeof(call), "vmspace_mcontrol(%s, 0x%lx, 0x%lx, %s, 0x%lx)",
	    idname(id), addr, len, behav_s(behav, bb, sizeof(bb)), value);
	v_result(call, r, want, 0);
	return r;
}

long v_pread(void *id, void *buf, ulong n, int flags, long off, int want)
{
	char call[160], b[16];
	long r = SC5(SYS_vmspace_pread, id, buf, n, flags, off);

	fmt(call, sizeof(call), "vmspace_pread(%s, %s, %lu, %d, 0x%lx)",
	    idname(id), ptrname(buf, b, sizeof(b)), n, flags, off);
	v_result(call, r, want, 0);
	return r;
}

long v_pwrite(void *id, const void *buf, ulong n, int flags, long off, int want)
{
	char call[160], b[16];
	long r = SC5(SYS_vmspace_pwrite, id, buf, n, flags, off);

	fmt(call, sizeof(call), "vmspace_pwrite(%s, %s, %lu, %d, 0x%lx)",
	    idname(id), ptrname(buf, b, sizeof(b)), n, flags, off);
	v_result(call, r, want, 0);
	return r;
}

/* the host context after vmspace_ctl returned: what ctl_probe recorded */
static void check_context(const struct ctl_probe *p)
{
	char bad[160];
	int n = 0;

	bad[0] = 0;
	if (p->rdi != p->id)
		n += fmt(bad + n, sizeof(bad) - n, " rdi");
	if (p->rsi != p->cmd)
		n += fmt(bad + n, sizeof(bad) - n, " rsi");
	if (p->rbx != PROBE_RBX || p->rbp != PROBE_RBP)
		n += fmt(bad + n, sizeof(bad) - n, " rbx/rbp");
	if (p->r12 != PROBE_R12 || p->r13 != PROBE_R13 ||
	    p->r14 != PROBE_R14 || p->r15 != PROBE_R15)
		n += fmt(bad + n, sizeof(bad) - n, " r12-r15");
	if (p->rsp_after != p->rsp_before)
		n += fmt(bad + n, sizeof(bad) - n, " rsp");
	out("%s: %s   host context after the call: %s%s\n", cur_prefix, cur_sc,
	    n ? "changed:" : "intact", bad);
	if (n)
		fail("host context changed by vmspace_ctl:%s", bad);
}

static const char *cmd_s(long cmd, char *buf, int cap)
{
	if (cmd == VMSPACE_CTL_RUN)
		return "VMSPACE_CTL_RUN";
	fmt(buf, cap, "%ld", cmd);
	return buf;
}

long v_ctl(void *id, long cmd, struct trapframe *tf, struct vextframe *vf, int want)
{
	struct ctl_probe p;
	char call[200], cb[16], tb[16], vb[16];

	p.id = (long)id;
	p.cmd = cmd;
	p.tf = (long)tf;
	p.vf = (long)vf;
	ctl_probe(&p);
	fmt(call, sizeof(call), "vmspace_ctl(%s, %s, %s, %s)", idname(id),
	    cmd_s(cmd, cb, sizeof(cb)), ptrname(tf, tb, sizeof(tb)),
	    ptrname(vf, vb, sizeof(vb)));
	v_result(call, p.ret, want, 0);
	check_context(&p);
	return p.ret;
}

void check_field(const char *name, long got, long want)
{
	if (got != want)
		fail("frame field %s = 0x%lx, expected 0x%lx", name, got, want);
}

void print_frame(const struct trapframe *tf, int flags)
{
	char rip[32], line[900];
	int n = 0, async = flags & RUN_ASYNC;
	int sys = tf->tf_trapno == T_FAST_SYSCALL;

	/*
	 * fast_syscall does not store %r10, %r11, tf_addr and tf_flags:
	 * those words of a system call's frame are kernel stack contents,
	 * not printed.  For a signal (RUN_ASYNC) the point where the guest
	 * stopped is not deterministic: err, rip (only "in g_spin"), rflags
	 * and the counter %r8 are not printed.
	 */
	n += fmt(line + n, sizeof(line) - n, "trapno=0x%lx", tf->tf_trapno);
	if (!async) {
		gva_name((ulong)tf->tf_rip, rip, sizeof(rip));
		n += fmt(line + n, sizeof(line) - n, " err=0x%lx rip=%s",
		    tf->tf_err, rip);
	} else {
		n += fmt(line + n, sizeof(line) - n, " rip=in(g_spin)");
	}
	n += fmt(line + n, sizeof(line) - n, " rsp=0x%lx cs=0x%lx ss=0x%lx xflags=0x%lx",
	    tf->tf_rsp, tf->tf_cs, tf->tf_ss, tf->tf_xflags);
	if (!async)
		n += fmt(line + n, sizeof(line) - n, " rflags=0x%lx", tf->tf_rflags);
	if (tf->tf_trapno == T_PAGEFLT)
		n += fmt(line + n, sizeof(line) - n, " addr=0x%lx", tf->tf_addr);
	n += fmt(line + n, sizeof(line) - n,
	    " rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx rsi=0x%lx rdi=0x%lx rbp=0x%lx",
	    tf->tf_rax, tf->tf_rbx, tf->tf_rcx, tf->tf_rdx, tf->tf_rsi,
	    tf->tf_rdi, tf->tf_rbp);
	if (!async)
		n += fmt(line + n, sizeof(line) - n, " r8=0x%lx", tf->tf_r8);
	n += fmt(line + n, sizeof(line) - n, " r9=0x%lx", tf->tf_r9);
	if (!sys)
		n += fmt(line + n, sizeof(line) - n, " r10=0x%lx r11=0x%lx",
		    tf->tf_r10, tf->tf_r11);
	fmt(line + n, sizeof(line) - n, " r12=0x%lx r13=0x%lx r14=0x%lx r15=0x%lx",
	    tf->tf_r12, tf->tf_r13, tf->tf_r14, tf->tf_r15);
	out("%s: %s   frame: %s\n", cur_prefix, cur_sc, line);
}

long v_run(void *id, struct trapframe *tf, struct vextframe *vf, long trapno,
    long err, ulong want_rip, int flags)
{
	char entry[32];
	long r;

	gva_name((ulong)tf->tf_rip, entry, sizeof(entry));
	out("%s: %s   guest: %s\n", cur_prefix, cur_sc, entry);
	r = v_ctl(id, VMSPACE_CTL_RUN, tf, vf, 0);
	if (r != 0)
		return r;
	print_frame(tf, flags);
	check_field("tf_trapno", tf->tf_trapno, trapno);
	if (err >= 0)
		check_field("tf_err", tf->tf_err, err);
	if (want_rip)
		check_field("tf_rip", tf->tf_rip, (long)want_rip);
	return r;
}

int vs_setup(void *id)
{
	int bad = 0;

	bad |= v_create(id, 0, 0, 0) != 0;
	bad |= IS_ERR(v_mmap(id, VM_MIN_USER_ADDRESS, USER_SIZE,
	    PROT_VM, MAP_FILE | MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED,
	    img_fd, 0, 0));
	bad |= v_mcontrol(id, VM_MIN_USER_ADDRESS, USER_SIZE, MADV_NOSYNC, 0, 0) != 0;
	bad |= v_mcontrol(id, VM_MIN_USER_ADDRESS, USER_SIZE, MADV_SETMAP,
	    MASTER_PDE, 0) != 0;
	return bad;
}
