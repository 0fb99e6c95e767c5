/*
 * vk/threads (tests/vkernel): several threads in one process, so several
 * LWPs of one VMSPACE in vmspace_ctl at once (on different virtual cpus with
 * vkernel -n 2 and more): each thread makes system calls, takes a mutex,
 * and faults pages of its own slice of a shared mapping; the main thread
 * checks the sums.
 *
 *   threads T N      T threads, N iterations each
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long total;
static int iters;
static unsigned char *shared;
static size_t slice;

static void *
work(void *arg)
{
	long id = (long)arg, i;
	size_t pg = (size_t)getpagesize(), off;
	for (i = 0; i < iters; i++) {
		getppid();
		pthread_mutex_lock(&mu);
		total++;
		pthread_mutex_unlock(&mu);
		off = id * slice + ((size_t)i * pg) % slice;
		shared[off]++;
		if (i % 64 == 0)
			sched_yield();
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	int t = argc > 1 ? atoi(argv[1]) : 4, i;
	pthread_t th[64];
	long sum = 0;
	size_t k;

	iters = argc > 2 ? atoi(argv[2]) : 1000;
	if (t > 64)
		t = 64;
	slice = 64 * (size_t)getpagesize();
	shared = mmap(NULL, slice * t, PROT_READ | PROT_WRITE, MAP_ANON | MAP_SHARED, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	for (i = 0; i < t; i++)
		if (pthread_create(&th[i], NULL, work, (void *)(long)i) != 0)
			return 1;
	for (i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	for (k = 0; k < slice * t; k++)
		sum += shared[k];
	/* each byte counts modulo 256: compare the per-page counts */
	long want = 0;
	for (i = 0; i < t; i++)
		for (k = 0; k < 64; k++) {
			long c = 0, j;
			for (j = 0; j < iters; j++)
				c += (size_t)j % 64 == k;
			want += c & 0xff;
		}
	printf("threads: %d threads x %d, total %ld (want %ld), pages %ld (want %ld)\n",
	    t, iters, total, (long)t * iters, sum, want);
	return !(total == (long)t * iters && sum == want);
}
