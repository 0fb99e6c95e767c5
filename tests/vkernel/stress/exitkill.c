/*
 * vk/exitkill (tests/vkernel): processes that die in every way a vkernel
 * process can: normal exit after touching memory, SIGKILL while running in
 * user mode (a spinning loop: the vkernel takes it out of vmspace_ctl),
 * SIGKILL while sleeping, SIGTERM caught, a fault (SIGSEGV).  Also vfork.
 *
 *   exitkill N       N rounds of those five children
 *
 * The signals go 0.2 s after the children say they are ready, when they are
 * asleep in pause() or in their user-mode loop.  Sent at once they land
 * while a child is between its write() and its sleep or its return to user
 * mode, where the vkernel's own kernel (DragonFly's at c2e7bb204e, on
 * either host) appears to lose them: the child then sleeps on with its
 * cpu's RQF_AST_SIGNAL set until something else wakes it (docs/vkernel.md,
 * "The vkernel's lost wakeups", where this is still open).
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void onterm(int s) { (void)s; got = 1; }

static pid_t
child(int kind, int ready[2])
{
	pid_t pid = kind == 4 ? vfork() : fork();
	if (pid != 0)
		return pid;
	switch (kind) {
	case 0: {	/* touch 1 MB, exit 7 */
		char *m = malloc(1 << 20);
		memset(m, 0x5a, 1 << 20);
		_exit(m[12345] == 0x5a ? 7 : 1);
	}
	case 1:		/* spin in user mode until killed */
		write(ready[1], "x", 1);
		for (volatile unsigned long i = 0;; i++)
			;
	case 2:		/* sleep until killed */
		write(ready[1], "x", 1);
		for (;;)
			pause();
	case 3:		/* SIGTERM caught, exit 3 */
		signal(SIGTERM, onterm);
		write(ready[1], "x", 1);
		while (!got)
			pause();
		_exit(3);
	case 4:		/* vfork: exit at once */
		_exit(4);
	case 5: {	/* fault */
		volatile int *volatile bad = (volatile int *)16;
		*bad = 1;
	}
		_exit(1);
	}
	_exit(1);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, i, k, bad = 0;
	int ready[2];
	char c;

	if (pipe(ready) < 0)
		return 1;
	for (i = 0; i < n; i++) {
		pid_t pid[6];
		int st;
		for (k = 0; k < 6; k++)
			pid[k] = child(k, ready);
		for (k = 0; k < 3; k++)		/* kinds 1, 2, 3 are ready */
			read(ready[0], &c, 1);
		usleep(200000);
		kill(pid[1], SIGKILL);
		kill(pid[2], SIGKILL);
		kill(pid[3], SIGTERM);
		for (k = 0; k < 6; k++) {
			if (waitpid(pid[k], &st, 0) != pid[k]) {
				bad++;
				continue;
			}
			int ok = (k == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7) ||
			    ((k == 1 || k == 2) && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ||
			    (k == 3 && WIFEXITED(st) && WEXITSTATUS(st) == 3) ||
			    (k == 4 && WIFEXITED(st) && WEXITSTATUS(st) == 4) ||
			    (k == 5 && WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS));
			if (!ok) {
				fprintf(stderr, "round %d kind %d: status %#x\n", i, k, st);
				bad++;
			}
		}
	}
	printf("exitkill: %d rounds of 6 children, %d bad\n", n, bad);
	return bad != 0;
}
