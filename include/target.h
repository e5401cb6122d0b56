/* target.h - what the user names as a target: "host", "host:port",
 * "192.0.2.1", "[192.0.2.1]:2525", "2001:db8::1", "[2001:db8::1]:2525". */
#ifndef RELAYTEST_TARGET_H
#define RELAYTEST_TARGET_H

#include <stddef.h>

#include "text.h"

#define TARGET_ERROR_MAX 320
#define TARGET_ADDRESS_MAX 64 /* a textual IPv4 or IPv6 address (NET_ADDR_MAX) */
/* The longest label target_label writes: "[host]:port (address)" or the
 * name as given (TEXT_ARG_MAX + 8) with " (address)". */
#define TARGET_LABEL_MAX (TEXT_ARG_MAX + 10 + TARGET_ADDRESS_MAX + 3)

struct target {
	char name[TEXT_ARG_MAX + 8];	  /* as given (with the port when one was added) */
	char host[TEXT_ARG_MAX + 1];	  /* name or address, without brackets */
	char port[8];			  /* decimal */
	int literal;			  /* host is an IPv4 or IPv6 address */
	int explicit_port;		  /* the name gave a port */
	char domain[TEXT_ARG_MAX + 1];	  /* mail domain to use (--mx), or "" */
	char error[TARGET_ERROR_MAX];	  /* set: cannot be tested, this says why */
	char address[TARGET_ADDRESS_MAX]; /* a name's address to test, or "": host */
	int several;			  /* one of several addresses of its name */
};

/* Parse arg; default_port applies when arg names none. Returns 0, or -1 with
 * a message in err (capacity cap) naming what is wrong. */
int target_parse(const char *arg, int default_port, struct target *t, char *err, size_t cap);

/* Parse a port number 1-65535 from text. Returns the port or -1. */
int target_parse_port(const char *text);

/* How target_label names a target. */
enum target_form {
	TARGET_HOST_PORT, /* "mx.example.com:25", "[2001:db8::1]:25": report headers */
	TARGET_HOST,	  /* "mx.example.com": beside a port of its own (Prometheus) */
	TARGET_AS_GIVEN	  /* the name as the user gave it (JSON, the progress line) */
};

/* The target's name in every report, in form; followed by " (address)"
 * when the target is one of several addresses of its name, so that each
 * reads as a server of its own: "mx.example.com:25 (192.0.2.7)". Server
 * text never reaches it, but the name is the user's: the caller sanitises.
 * Cut to cap (TARGET_LABEL_MAX holds any). */
void target_label(const struct target *t, enum target_form form, char *buf, size_t cap);

#endif
