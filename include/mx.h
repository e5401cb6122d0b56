/* mx.h - a domain's mail servers (RFC 5321 5.1) through the libc resolver.
 *
 * mx_parse is pure and bounded: a DNS answer is hostile input like any SMTP
 * reply. mx_lookup asks the resolver (res_query) and hands the answer to it. */
#ifndef RELAYTEST_MX_H
#define RELAYTEST_MX_H

#include <stddef.h>

#define MX_HOSTS_MAX 32
#define MX_NAME_MAX 256

struct mx_host {
	unsigned preference;
	char name[MX_NAME_MAX];
};

struct mx_answer {
	struct mx_host hosts[MX_HOSTS_MAX]; /* by preference, ties in answer order */
	size_t n;
	int null_mx;	  /* RFC 7505: "MX 0 ." - the domain accepts no mail */
	int no_such_name; /* NXDOMAIN */
};

/* Parse the DNS message msg (len bytes) answering an MX query. Returns 0 with
 * out filled (n may be 0: no MX records), or -1 with a message in err. */
int mx_parse(const unsigned char *msg, size_t len, struct mx_answer *out, char *err, size_t cap);

/* Look up domain's MX records. Returns 0 with out filled (n == 0 and not
 * null_mx or no_such_name: no MX, use the domain itself), or -1 with a
 * message in err for a resolver failure. */
int mx_lookup(const char *domain, struct mx_answer *out, char *err, size_t cap);

#endif
