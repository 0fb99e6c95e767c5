/*
 * vkhost: /sbin/init of the QEMU guest for make vkernel-test (tests/vkernel,
 * docs/vkernel.md).  A DragonFly program linked statically against
 * DragonFly's libc.
 *
 *  1. remounts / read-write (the vkernel's memory file and the trace files
 *     live there), sets vm.vkernel_enable=1;
 *  2. forks; the child puts itself under ktrace(2) (KTRFAC_SYSCALL, into
 *     /kt; KTRFAC_INHERIT: the vkernel forks at its start and runs in the
 *     child, the parent only waits for it) and execs the vkernel with the
 *     arguments in /vkhost.args (one a line), so every system call the
 *     vkernel makes is recorded by the host kernel's ktrace code, outside
 *     vm_vmspace;
 *  3. waits for the vkernel.  The trace is never moved to another file
 *     while the vkernel runs: ktrace(KTROP_SET) on a process whose threads
 *     are writing records races with them at c2e7bb204e (ktrwrite() takes
 *     its reference on p_tracenode unlocked, "XXX not MP safe" in
 *     kern_ktrace.c; KKASSERT "tracenode->kn_refs > 0" in ktrinherit()
 *     panicked a stock host once, moving the trace every 10 s), so the
 *     guest's root has room for the whole trace (scripts/vkernel/test.sh);
 *  4. when the vkernel has exited, counts the records and prints
 *
 *       vkhost: vkernel exited: status S
 *       vkhost: syscalls traced: T
 *       vkhost: vmspace calls: create=.. destroy=.. ctl=.. mmap=.. munmap=..
 *               mcontrol=.. pread=.. pwrite=.. total=N
 *
 *     then halts the guest (reboot RB_HALT|RB_POWEROFF; no ACPI: it halts).
 *
 * A ktrace record is a struct ktr_header (sys/sys/ktrace.h: ktr_len at 0,
 * ktr_type at 4, 64 bytes on x86_64) followed by ktr_len bytes; a
 * KTR_SYSCALL record's payload starts with the short ktr_code.  The numbers
 * 486..493 are vmspace_create .. vmspace_pwrite in sys/kern/syscalls.master.
 */
#include <sys/types.h>
#include <sys/ktrace.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/reboot.h>
#include <sys/sysctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIRST_VMSPACE 486
static const char *names[] = { "create", "destroy", "ctl", "mmap", "munmap", "mcontrol", "pread", "pwrite" };
static unsigned long counts[8], traced, records, partial;

static void
count_file(const char *path)
{
	static unsigned char buf[1 << 20];
	size_t have = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t off = 0;
		while (have - off >= sizeof(struct ktr_header)) {
			struct ktr_header h;
			memcpy(&h, buf + off, sizeof(h));
			if (h.ktr_len < 0 || (size_t)h.ktr_len > sizeof(buf) / 2) {
				printf("vkhost: %s: bad record length %d at %zu\n", path, h.ktr_len, off);
				have = off = 0;
				goto out;
			}
			size_t rl = sizeof(h) + (size_t)h.ktr_len;
			if (have - off < rl)
				break;
			records++;
			if (h.ktr_type == KTR_SYSCALL && h.ktr_len >= 2) {
				short code;
				memcpy(&code, buf + off + sizeof(h), sizeof(code));
				traced++;
				if (code >= FIRST_VMSPACE && code < FIRST_VMSPACE + 8)
					counts[code - FIRST_VMSPACE]++;
			}
			off += rl;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
out:
	partial += have != 0;
	close(fd);
}

/* This process under ktrace(2) into `path`, and what it forks. */
static int
trace_self(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);	/* ktrace(2) needs it to exist */

	if (fd >= 0)
		close(fd);
	if (ktrace(path, KTROP_SET, KTRFAC_SYSCALL | KTRFAC_INHERIT, getpid()) < 0) {
		printf("vkhost: ktrace %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(void)
{
	static char line[512], *argv[64];
	static char *envp[] = { "PATH=/", NULL };
	int argc = 0, st = 0, one = 1;
	struct stat sb;
	FILE *f;
	pid_t pid;

	if (open("/dev/console", O_RDWR) == 0) {
		dup2(0, 1);
		dup2(0, 2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vkhost: /sbin/init of the QEMU guest\n");
	{
		char args[256];	/* struct ufs_args: fspec NULL, update in place */
		memset(args, 0, sizeof(args));
		if (mount("ufs", "/", MNT_UPDATE, args) < 0)
			printf("vkhost: remount / read-write: %s\n", strerror(errno));
	}
	if (sysctlbyname("vm.vkernel_enable", NULL, NULL, &one, sizeof(one)) < 0)
		printf("vkhost: vm.vkernel_enable: %s\n", strerror(errno));
	f = fopen("/vkhost.args", "r");
	while (f && argc < 63 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			argv[argc++] = strdup(line);
	}
	argv[argc] = NULL;
	if (argc == 0) {
		printf("vkhost: no /vkhost.args\n");
		goto halt;
	}
	printf("vkhost: starting");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	pid = fork();
	if (pid == 0) {
		if (trace_self("/kt") < 0)
			_exit(125);
		execve(argv[0], argv, envp);
		printf("vkhost: execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		printf("vkhost: fork: %s\n", strerror(errno));
		goto halt;
	}
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	count_file("/kt");
	/* no status, no exit line: the report then lists "vkernel exit status None" */
	if (r != pid)
		printf("vkhost: waitpid: %s\n", strerror(errno));
	else
		printf("vkhost: vkernel exited: status %d (%s %d)\n", st,
		    WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	printf("vkhost: syscalls traced: %lu (%lu records, %lld bytes, %lu ending mid-record)\n",
	    traced, records, stat("/kt", &sb) == 0 ? (long long)sb.st_size : -1LL, partial);
	unsigned long total = 0;
	printf("vkhost: vmspace calls:");
	for (int i = 0; i < 8; i++) {
		printf(" %s=%lu", names[i], counts[i]);
		total += counts[i];
	}
	printf(" total=%lu\n", total);
halt:
	printf("vkhost: halting\n");
	sync();
	reboot(RB_HALT | RB_POWEROFF);
	for (;;)
		pause();
}
