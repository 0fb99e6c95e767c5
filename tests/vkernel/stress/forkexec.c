/*
 * vk/forkexec (tests/vkernel): many processes created, exec'd and reaped
 * inside the vkernel.  Each new process is a new VMSPACE on the host
 * (vmspace_create, vmspace_mmap of its page table, vmspace_destroy at exit),
 * each exec replaces one.
 *
 *   forkexec N [P]   N rounds of P children (default P 4) that each exec
 *                    this program as `forkexec -child K`, which exits K & 0x7f
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int n, p, i, j, bad = 0;
	char arg[16];

	if (argc == 3 && strcmp(argv[1], "-child") == 0)
		_exit(atoi(argv[2]) & 0x7f);
	if (argc < 2) {
		fprintf(stderr, "usage: forkexec N [P]\n");
		return 2;
	}
	n = atoi(argv[1]);
	p = argc > 2 ? atoi(argv[2]) : 4;
	for (i = 0; i < n; i++) {
		pid_t pids[64];
		for (j = 0; j < p && j < 64; j++) {
			snprintf(arg, sizeof(arg), "%d", i * p + j);
			pids[j] = fork();
			if (pids[j] < 0) {
				perror("fork");
				return 1;
			}
			if (pids[j] == 0) {
				execl(argv[0], argv[0], "-child", arg, (char *)NULL);
				_exit(127);
			}
		}
		for (j = 0; j < p && j < 64; j++) {
			int st;
			if (waitpid(pids[j], &st, 0) != pids[j] || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != ((i * p + j) & 0x7f)) {
				fprintf(stderr, "child %d: status %#x\n", i * p + j, st);
				bad++;
			}
		}
	}
	printf("forkexec: %d processes, %d bad\n", n * p, bad);
	return bad != 0;
}
