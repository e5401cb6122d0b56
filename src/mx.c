/* mx.c - MX lookup and a bounded parser for the answer. */
#include "mx.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNS_HEADER_LEN 12
#define DNS_TYPE_MX 15
#define DNS_CLASS_IN 1
#define DNS_RCODE_NXDOMAIN 3

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A host name we are willing to connect to and print. */
static int plausible_host(const char *name)
{
	if (name[0] == '\0' || strlen(name) > 253)
		return 0;
	for (const char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return 0;
	return 1;
}

/* Skip a (possibly compressed) name at p; returns the next position or NULL. */
static const unsigned char *skip_name(const unsigned char *msg, const unsigned char *eom,
				      const unsigned char *p)
{
	char name[MX_NAME_MAX];
	int n = dn_expand(msg, eom, p, name, sizeof(name));

	return n < 0 ? NULL : p + n;
}

static void insert_sorted(struct mx_answer *out, unsigned preference, const char *name)
{
	size_t at = out->n;

	/* Keep the MX_HOSTS_MAX most preferred: when full, a record less
	 * preferred than (or tied with) the last is dropped, else the last goes. */
	if (out->n >= MX_HOSTS_MAX) {
		if (out->hosts[MX_HOSTS_MAX - 1].preference <= preference)
			return;
		out->n--;
		at = out->n;
	}
	while (at > 0 && out->hosts[at - 1].preference > preference)
		at--;
	memmove(&out->hosts[at + 1], &out->hosts[at], (out->n - at) * sizeof(out->hosts[0]));
	out->hosts[at].preference = preference;
	snprintf(out->hosts[at].name, sizeof(out->hosts[at].name), "%s", name);
	out->n++;
}

/* Skip the question section; returns the first answer record or NULL. */
static const unsigned char *skip_questions(const unsigned char *msg, const unsigned char *eom,
					   unsigned questions, char *err, size_t cap)
{
	const unsigned char *p = msg + DNS_HEADER_LEN;

	for (unsigned i = 0; i < questions; i++) {
		p = skip_name(msg, eom, p);
		if (p == NULL || eom - p < 4) {
			snprintf(err, cap, "DNS answer is malformed (question %u)", i + 1);
			return NULL;
		}
		p += 4;
	}
	return p;
}

/* The data of an MX record (rdlen bytes at rdata) into out. */
static int take_mx(const unsigned char *msg, const unsigned char *eom, const unsigned char *rdata,
		   unsigned rdlen, struct mx_answer *out, char *err, size_t cap)
{
	char name[MX_NAME_MAX];
	int n = -1;

	if (rdlen >= 3)
		n = dn_expand(msg, eom, rdata + 2, name, sizeof(name));
	if (n < 0 || (unsigned)n > rdlen - 2) {
		snprintf(err, cap, "DNS answer holds a malformed MX record");
		return -1;
	}
	if (name[0] == '\0' || strcmp(name, ".") == 0) {
		out->null_mx = 1;
	} else if (!plausible_host(name)) {
		snprintf(err, cap, "DNS answer names an MX host that is not a host name");
		return -1;
	} else {
		insert_sorted(out, get16(rdata), name);
	}
	return 0;
}

/* Answer record number (from 1) at p, into out if it is an MX record;
 * returns the next record or NULL. */
static const unsigned char *read_record(const unsigned char *msg, const unsigned char *eom,
					const unsigned char *p, unsigned number,
					struct mx_answer *out, char *err, size_t cap)
{
	unsigned type, class, rdlen;

	p = skip_name(msg, eom, p);
	if (p == NULL || eom - p < 10) {
		snprintf(err, cap, "DNS answer is malformed (record %u)", number);
		return NULL;
	}
	type = get16(p);
	class = get16(p + 2);
	rdlen = get16(p + 8);
	p += 10;
	if ((size_t)(eom - p) < rdlen) {
		snprintf(err, cap, "DNS answer is truncated (record %u)", number);
		return NULL;
	}
	if (type == DNS_TYPE_MX && class == DNS_CLASS_IN &&
	    take_mx(msg, eom, p, rdlen, out, err, cap) < 0)
		return NULL;
	return p + rdlen;
}

int mx_parse(const unsigned char *msg, size_t len, struct mx_answer *out, char *err, size_t cap)
{
	const unsigned char *eom = msg + len, *p;
	unsigned answers;

	memset(out, 0, sizeof(*out));
	if (len < DNS_HEADER_LEN || len > 65535) {
		snprintf(err, cap, "DNS answer of %zu bytes is not a DNS message", len);
		return -1;
	}
	if ((msg[3] & 0x0f) == DNS_RCODE_NXDOMAIN) {
		out->no_such_name = 1;
		return 0;
	}
	if ((msg[3] & 0x0f) != 0) {
		snprintf(err, cap, "DNS server answered with error code %d", msg[3] & 0x0f);
		return -1;
	}
	p = skip_questions(msg, eom, get16(msg + 4), err, cap);
	answers = get16(msg + 6);
	for (unsigned i = 0; i < answers && p != NULL; i++)
		p = read_record(msg, eom, p, i + 1, out, err, cap);
	return p == NULL ? -1 : 0;
}

#define MX_ANSWER_MAX 65535 /* the largest DNS message over TCP */

int mx_lookup(const char *domain, struct mx_answer *out, char *err, size_t cap)
{
	unsigned char *answer = malloc(MX_ANSWER_MAX); /* not 64 KiB of stack */
	int len, rc;

	memset(out, 0, sizeof(*out));
	if (answer == NULL) {
		snprintf(err, cap, "MX lookup for %s: out of memory", domain);
		return -1;
	}
	len = res_query(domain, DNS_CLASS_IN, DNS_TYPE_MX, answer, MX_ANSWER_MAX);
	if (len < 0) {
		free(answer);
		switch (h_errno) {
		case HOST_NOT_FOUND:
			out->no_such_name = 1;
			return 0;
		case NO_DATA:
			return 0; /* the name exists, with no MX: RFC 5321 5.1 fallback */
		case TRY_AGAIN:
			snprintf(err, cap,
				 "MX lookup for %s failed for now (DNS timeout or server failure); "
				 "try again",
				 domain);
			return -1;
		default:
			snprintf(err, cap, "MX lookup for %s failed: %s", domain,
				 hstrerror(h_errno));
			return -1;
		}
	}
	rc = mx_parse(answer, (size_t)len, out, err, cap);
	free(answer);
	return rc;
}
