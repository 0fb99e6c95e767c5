/*
 * vk/syscalls (tests/vkernel): the plainest load a vkernel puts on the
 * host: every system call of a process in a VMSPACE leaves the host's
 * vmspace_ctl(VMSPACE_CTL_RUN) and enters it again.  P processes make N
 * getppid() calls each and check the answer.
 *
 *   syscalls N [P]
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, i;
	int p = argc > 2 ? atoi(argv[2]) : 1, j, bad = 0, st;
	pid_t me = getpid();

	for (j = 0; j < p; j++) {
		if (fork() == 0) {
			long wrong = 0;
			for (i = 0; i < n; i++)
				wrong += getppid() != me;
			_exit(wrong != 0);
		}
	}
	for (j = 0; j < p; j++)
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	printf("syscalls: %d x %ld getppid, %d bad\n", p, n, bad);
	return bad != 0;
}
