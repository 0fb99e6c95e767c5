/*
 * vkrun: /sbin/init of the vkernel's root (tests/vkernel, docs/vkernel.md).
 * A DragonFly program linked statically against DragonFly's libc.
 *
 * Remounts / read-write, brings lo0 up as 127.0.0.1/8 (what /etc/rc would
 * do: the io/ cases bind to localhost), reads /vk/cases (one case a line,
 * fields separated by tabs: name, time limit in seconds, user (root or
 * nobody), directory, program, arguments...; written by
 * scripts/vkernel/cases.py), runs each case in its directory as its own
 * process group with stdout and stderr in /tmp/out, and prints
 *
 *     vkrun: NAME -> PASS|FAIL|TIMEOUT
 *
 * (PASS: exit status 0; FAIL: another status or a signal, with the last
 * lines of its output; TIMEOUT: still running at its limit, its group
 * killed; with the kernel environment's vkrun.ddb=1, from make vkernel-test
 * VK_DDB=1, first the vkernel's DDB shows where everything waits: ps and
 * trace on the console, answered by scripts/dfly/boot.py, then cont).
 * A case that does not pass is run again, up to ATTEMPTS times in all, and
 * its result is its last attempt's: several of DragonFly's cases measure
 * wall-clock intervals to +-100 ms (posixipc/timedwait_*), which a vkernel
 * on a loaded TCG guest misses now and then on either kernel, and the
 * vkernel's own kernel now and then loses a signal, leaving a case waiting
 * until its time limit (docs/vkernel.md).  The line `vkrun: NAME: attempts
 * N` before the result says a case needed more than one (the report shows
 * it).  Then `vkrun: done: C cases, P pass` and it halts the vkernel, which
 * then exits.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <sys/sysctl.h>
#include <sys/reboot.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <net/if.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <kenv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXARGS 32
#define ATTEMPTS 3

enum result { PASS, FAIL, TIMEOUT };
static int ddb_at_time_limit;	/* vkrun.ddb=1 in the kernel environment */
static const char *result_names[] = { "PASS", "FAIL", "TIMEOUT" };

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The last `n` lines of the case's output, indented, on the console. */
static void
tail_output(int n)
{
	static char buf[65536];
	int fd = open("/tmp/out", O_RDONLY);
	ssize_t len;
	if (fd < 0)
		return;
	off_t sz = lseek(fd, 0, SEEK_END);
	off_t from = sz > (off_t)sizeof(buf) - 1 ? sz - (off_t)sizeof(buf) + 1 : 0;
	lseek(fd, from, SEEK_SET);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = 0;
	char *p = buf + len;
	int lines = 0;
	while (p > buf && lines <= n)
		if (*--p == '\n' && p != buf + len - 1)
			lines++;
	if (*p == '\n')
		p++;
	for (char *l = strtok(p, "\n"); l; l = strtok(NULL, "\n"))
		printf("vkrun:   | %s\n", l);
}

/* ifconfig lo0 inet 127.0.0.1/8 up */
static void
loopback_up(void)
{
	struct ifaliasreq ifra;
	struct ifreq ifr;
	struct sockaddr_in *sin;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0) {
		printf("vkrun: lo0: socket: %s\n", strerror(errno));
		return;
	}
	memset(&ifra, 0, sizeof(ifra));
	strlcpy(ifra.ifra_name, "lo0", sizeof(ifra.ifra_name));
	sin = (struct sockaddr_in *)&ifra.ifra_addr;
	sin->sin_len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin = (struct sockaddr_in *)&ifra.ifra_mask;
	sin->sin_len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xff000000);
	if (ioctl(s, SIOCAIFADDR, &ifra) < 0)
		printf("vkrun: lo0: SIOCAIFADDR: %s\n", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo0", sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			printf("vkrun: lo0: SIOCSIFFLAGS: %s\n", strerror(errno));
	}
	close(s);
}

/* One attempt at a case; prints what a failure looked like. */
static enum result
run_once(char **f, int nf)
{
	char *name = f[0], *user = f[2], *dir = f[3];
	double limit = atof(f[1]), t0 = now();
	char *argv[MAXARGS + 1];
	int i, st = 0, timedout = 0;
	pid_t pid, r;

	for (i = 4; i < nf && i - 4 < MAXARGS; i++)
		argv[i - 4] = f[i];
	argv[i - 4] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("vkrun: %s: fork: %s\n", name, strerror(errno));
		return FAIL;
	}
	if (pid == 0) {
		int fd = open("/tmp/out", O_WRONLY | O_CREAT | O_TRUNC, 0666);
		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (chdir(dir) < 0) {
			perror(dir);
			_exit(126);
		}
		if (strcmp(user, "nobody") == 0 && (setgid(65534) < 0 || setuid(65534) < 0)) {
			perror("setuid nobody");
			_exit(126);
		}
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			st = -1;
			break;
		}
		if (now() - t0 > limit) {
			timedout = 1;
			/*
			 * A case stuck in the vkernel's own kernel (a lost
			 * wakeup, docs/vkernel.md) is only understood from
			 * where its threads wait: DDB's ps, before the kill.
			 * Opt-in: a cpu that DDB's cont restarts can take a
			 * user trap before db_active is clear, which the
			 * vkernel's user_trap() makes a fatal trap.
			 */
			if (ddb_at_time_limit) {
				printf("vkrun: %s: time limit, the vkernel's DDB:\n", name);
				fflush(stdout);
				if (sysctlbyname("debug.enter_debugger", NULL, NULL, "ddb", 4) < 0)
					printf("vkrun: debug.enter_debugger: %s\n", strerror(errno));
			}
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		usleep(20000);
	}
	/* whatever the case left in its group */
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	int pass = !timedout && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!pass && !timedout) {
		if (st != -1 && WIFSIGNALED(st))
			printf("vkrun: %s: killed by signal %d\n", name, WTERMSIG(st));
		else
			printf("vkrun: %s: exit status %d\n", name, st == -1 ? -1 : WEXITSTATUS(st));
	}
	if (!pass)
		tail_output(6);
	printf("vkrun: %s: %.1fs\n", name, now() - t0);
	fflush(stdout);
	return timedout ? TIMEOUT : pass ? PASS : FAIL;
}

/* A case, again while it does not pass, up to ATTEMPTS times; 1 if it passed. */
static int
run_case(char **f, int nf)
{
	enum result r = FAIL;
	int attempt;

	for (attempt = 1; attempt <= ATTEMPTS; attempt++) {
		r = run_once(f, nf);
		if (r == PASS)
			break;
		if (attempt < ATTEMPTS)
			printf("vkrun: %s: attempt %d: %s, again\n", f[0], attempt, result_names[r]);
	}
	if (attempt > 1)
		printf("vkrun: %s: attempts %d\n", f[0], attempt > ATTEMPTS ? ATTEMPTS : attempt);
	printf("vkrun: %s -> %s\n", f[0], result_names[r]);
	fflush(stdout);
	return r == PASS;
}

int
main(void)
{
	static char line[4096];
	char *f[MAXARGS + 5];
	int ncase = 0, npass = 0;
	FILE *cases;

	/* init has no descriptors: the console on 0, 1, 2 */
	if (open("/dev/console", O_RDWR) == 0) {
		dup2(0, 1);
		dup2(0, 2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vkrun: /sbin/init of the vkernel, pid %d\n", (int)getpid());
	{
		char args[256];	/* struct ufs_args: fspec NULL, update in place */
		memset(args, 0, sizeof(args));
		if (mount("ufs", "/", MNT_UPDATE, args) < 0)
			printf("vkrun: remount / read-write: %s\n", strerror(errno));
	}
	loopback_up();
	{
		char v[8];
		ddb_at_time_limit = kenv(KENV_GET, "vkrun.ddb", v, sizeof(v)) > 0 && strcmp(v, "1") == 0;
		if (ddb_at_time_limit)
			printf("vkrun: vkrun.ddb=1: the vkernel's DDB at each time limit\n");
	}
	setenv("PATH", "/bin:/vk", 1);
	setenv("HOME", "/tmp", 1);
	cases = fopen("/vk/cases", "r");
	if (cases == NULL) {
		printf("vkrun: /vk/cases: %s\n", strerror(errno));
	} else {
		double t0 = now();
		while (fgets(line, sizeof(line), cases)) {
			int nf = 0;
			line[strcspn(line, "\n")] = 0;
			if (line[0] == 0 || line[0] == '#')
				continue;
			for (char *p = line; p && nf < MAXARGS + 4; nf++)
				f[nf] = strsep(&p, "\t");
			if (nf < 5) {
				printf("vkrun: bad case line: %s\n", line);
				continue;
			}
			ncase++;
			npass += run_case(f, nf);
		}
		fclose(cases);
		printf("vkrun: done: %d cases, %d pass, %.0fs\n", ncase, npass, now() - t0);
	}
	sync();
	fflush(stdout);
	reboot(RB_HALT | RB_POWEROFF);
	for (;;)
		pause();
}
