/*
 * vmspace-rs userland model of DragonFly's <sys/tls.h>.
 */
#ifndef _SYS_TLS_H_
#define _SYS_TLS_H_

struct tls_info {
	void	*base;
	long	size;		/* signed */
};

#endif /* !_SYS_TLS_H_ */
