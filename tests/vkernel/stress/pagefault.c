/*
 * vk/pagefault (tests/vkernel): page faults over a large mapping.  In a
 * vkernel every first touch of a page is a fault taken out of vmspace_ctl,
 * resolved by the vkernel's pmap; munmap, mprotect and madvise make it
 * invalidate the host's view (vmspace_mcontrol).  Checks every page's
 * contents after fork (copy-on-write in the child and in the parent).
 *
 *   pagefault MB ROUNDS
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 16;
	int rounds = argc > 2 ? atoi(argv[2]) : 4, r, bad = 0;
	size_t len = mb << 20, pg = (size_t)getpagesize(), i;

	for (r = 0; r < rounds; r++) {
		unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
		if (m == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (i = 0; i < len; i += pg)
			m[i] = (unsigned char)(i / pg + r);
		pid_t pid = fork();
		if (pid == 0) {	/* child: check, write (COW), check */
			int cbad = 0;
			for (i = 0; i < len; i += pg)
				cbad += m[i] != (unsigned char)(i / pg + r);
			for (i = 0; i < len; i += pg)
				m[i] ^= 0xff;
			for (i = 0; i < len; i += pg)
				cbad += m[i] != (unsigned char)~(unsigned char)(i / pg + r);
			_exit(cbad != 0);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "round %d: child saw wrong pages (status %#x)\n", r, st);
			bad++;
		}
		for (i = 0; i < len; i += pg)	/* the parent's copy is untouched */
			bad += m[i] != (unsigned char)(i / pg + r);
		/* read-only, then writable again; drop half with MADV_DONTNEED */
		if (mprotect(m, len, PROT_READ) < 0 || mprotect(m, len, PROT_READ | PROT_WRITE) < 0)
			bad++;
		if (madvise(m, len / 2, MADV_DONTNEED) < 0)
			bad++;
		for (i = 0; i < len; i += pg)
			m[i] = 1;
		/* unmap a hole in the middle and map it again */
		if (munmap(m + len / 4, len / 4) < 0 ||
		    mmap(m + len / 4, len / 4, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE | MAP_FIXED, -1, 0) != m + len / 4)
			bad++;
		for (i = len / 4; i < len / 2; i += pg)
			bad += m[i] != 0;
		munmap(m, len);
	}
	printf("pagefault: %d rounds over %zu MB, %d bad\n", rounds, mb, bad);
	return bad != 0;
}
