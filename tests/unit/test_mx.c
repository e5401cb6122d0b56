/* test_mx.c - MX answer parsing on canned DNS packets (no DNS is consulted). */
#include <string.h>

#include "check.h"
#include "mx.h"

void test_mx_parse(void);

struct packet {
	unsigned char b[2048];
	size_t len;
};

static void put16(struct packet *p, unsigned v)
{
	p->b[p->len++] = (unsigned char)(v >> 8);
	p->b[p->len++] = (unsigned char)v;
}

/* A name as labels; "" is the root. */
static void put_name(struct packet *p, const char *name)
{
	while (*name != '\0') {
		size_t n = strcspn(name, ".");

		p->b[p->len++] = (unsigned char)n;
		memcpy(p->b + p->len, name, n);
		p->len += n;
		name += n + (name[n] == '.');
	}
	p->b[p->len++] = 0;
}

static void header(struct packet *p, unsigned rcode, unsigned answers)
{
	p->len = 0;
	put16(p, 0x1234);
	put16(p, 0x8180 | rcode);
	put16(p, 1);
	put16(p, answers);
	put16(p, 0);
	put16(p, 0);
	put_name(p, "example.com"); /* at offset 12: compression target 0xc00c */
	put16(p, 15);
	put16(p, 1);
}

/* An answer record for example.com (compressed) of type with rdata. */
static void record(struct packet *p, unsigned type, const unsigned char *rdata, size_t rdlen)
{
	put16(p, 0xc00c);
	put16(p, type);
	put16(p, 1);
	put16(p, 0);
	put16(p, 300);
	put16(p, (unsigned)rdlen);
	memcpy(p->b + p->len, rdata, rdlen);
	p->len += rdlen;
}

static void mx_record(struct packet *p, unsigned pref, const char *host)
{
	struct packet rd = { .len = 0 };

	put16(&rd, pref);
	put_name(&rd, host);
	record(p, 15, rd.b, rd.len);
}

void test_mx_parse(void)
{
	struct packet p;
	struct mx_answer a;
	char err[256];

	/* Two MX, out of order, one name compressed against the question. */
	header(&p, 0, 3);
	mx_record(&p, 20, "mx2.example.com");
	{
		static const unsigned char cname[] = { 3, 'w', 'w', 'w', 0xc0, 0x0c };

		record(&p, 5, cname, sizeof(cname)); /* a CNAME is skipped */
	}
	{
		static const unsigned char compressed[] = { 0, 10, 3, 'm', 'x', '1', 0xc0, 0x0c };

		record(&p, 15, compressed, sizeof(compressed));
	}
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK_INT(a.n, 2);
	CHECK_STR(a.hosts[0].name, "mx1.example.com");
	CHECK_INT(a.hosts[0].preference, 10);
	CHECK_STR(a.hosts[1].name, "mx2.example.com");
	CHECK(!a.null_mx && !a.no_such_name);

	/* Equal preferences keep the answer's order. */
	header(&p, 0, 2);
	mx_record(&p, 10, "b.example.com");
	mx_record(&p, 10, "a.example.com");
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK_STR(a.hosts[0].name, "b.example.com");

	/* RFC 7505 null MX. */
	header(&p, 0, 1);
	mx_record(&p, 0, "");
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK(a.null_mx);
	CHECK_INT(a.n, 0);

	/* No MX at all, NXDOMAIN, SERVFAIL. */
	header(&p, 0, 0);
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK_INT(a.n, 0);
	header(&p, 3, 0);
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK(a.no_such_name);
	header(&p, 2, 0);
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), -1);
	CHECK(strstr(err, "error code 2") != NULL);

	/* Hostile packets: truncated, lying lengths, loops, junk names, tiny. */
	header(&p, 0, 1);
	mx_record(&p, 10, "mx1.example.com");
	CHECK_INT(mx_parse(p.b, p.len - 4, &a, err, sizeof(err)), -1);
	p.b[p.len - 19 - 1] = 0xff; /* rdlength (19) low byte: far past the end */
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), -1);
	header(&p, 0, 1);
	{
		size_t self = p.len + 12 + 2; /* the exchange name points at itself */
		unsigned char loop[] = { 0, 10, (unsigned char)(0xc0 | self >> 8),
					 (unsigned char)self };

		record(&p, 15, loop, sizeof(loop));
	}
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), -1);
	header(&p, 0, 1);
	mx_record(&p, 10, "mx<1>.example.com");
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), -1);
	header(&p, 0, 1);
	{
		static const unsigned char short_mx[] = { 0, 10 };

		record(&p, 15, short_mx, sizeof(short_mx));
	}
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), -1);
	CHECK_INT(mx_parse(p.b, 5, &a, err, sizeof(err)), -1);

	/* More MX records than we keep: the first MX_HOSTS_MAX by preference. */
	header(&p, 0, 40);
	p.b[7] = 0; /* answers = 0 until they are in */
	for (unsigned i = 0; i < 10; i++)
		mx_record(&p, 100 - i, "mx.example.com");
	p.b[7] = 10;
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK_INT(a.n, 10);
	CHECK_INT(a.hosts[0].preference, 91);

	/* 33 records, the primary last in the answer: it is kept, the least
	 * preferred one is dropped (issue 12, item 8). */
	header(&p, 0, MX_HOSTS_MAX + 1);
	for (unsigned i = 0; i < MX_HOSTS_MAX; i++)
		mx_record(&p, 20 + i, "backup.example.com");
	mx_record(&p, 10, "primary.example.com");
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK_INT(a.n, MX_HOSTS_MAX);
	CHECK_STR(a.hosts[0].name, "primary.example.com");
	CHECK_INT(a.hosts[0].preference, 10);
	CHECK_INT(a.hosts[MX_HOSTS_MAX - 1].preference, 20 + MX_HOSTS_MAX - 2);

	/* A tie with the last kept record keeps the earlier one (answer order). */
	header(&p, 0, MX_HOSTS_MAX + 1);
	for (unsigned i = 0; i < MX_HOSTS_MAX; i++)
		mx_record(&p, 5, "first.example.com");
	mx_record(&p, 5, "late.example.com");
	CHECK_INT(mx_parse(p.b, p.len, &a, err, sizeof(err)), 0);
	CHECK_INT(a.n, MX_HOSTS_MAX);
	CHECK_STR(a.hosts[MX_HOSTS_MAX - 1].name, "first.example.com");
}
