/*
 * vk/signals (tests/vkernel): signals delivered to processes running in
 * VMSPACEs: a parent and a child bounce SIGUSR1/SIGUSR2 N times (each
 * delivery interrupts vmspace_ctl and builds a signal frame in the process),
 * then SIGALRM from an interval timer interrupts a user-mode loop.
 *
 *   signals N
 */
#include <sys/types.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t n1, n2, alarms;
static void h1(int s) { (void)s; n1++; }
static void h2(int s) { (void)s; n2++; }
static void ha(int s) { (void)s; alarms++; }

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, i, bad = 0, st;
	sigset_t blk, old;
	pid_t pid, parent = getpid();

	signal(SIGUSR1, h1);
	signal(SIGUSR2, h2);
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigaddset(&blk, SIGUSR2);
	sigprocmask(SIG_BLOCK, &blk, &old);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n; i++) {
			while (n1 <= i)
				sigsuspend(&old);
			kill(parent, SIGUSR2);
		}
		_exit(n1 == n ? 0 : 1);
	}
	for (i = 0; i < n; i++) {
		kill(pid, SIGUSR1);
		while (n2 <= i)
			sigsuspend(&old);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		bad++;
	if (n2 != n)
		bad++;
	/* SIGALRM every 10 ms into a user-mode loop */
	signal(SIGALRM, ha);
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	while (alarms < 20)
		for (volatile int k = 0; k < 100000; k++)
			;
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	printf("signals: %d round trips, %d alarms, %d bad\n", (int)n2, (int)alarms, bad);
	return bad != 0;
}
