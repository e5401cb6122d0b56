/* target.c - parsing target names. */
#include "target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int target_parse_port(const char *text)
{
	long port = 0;

	if (*text == '\0' || strlen(text) > 5)
		return -1;
	for (const char *p = text; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

static int is_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int valid_hostname(const char *host)
{
	for (const char *p = host; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return 0;
	return 1;
}

int target_parse(const char *arg, int default_port, struct target *t, char *err, size_t cap)
{
	const char *problem = text_check_arg(arg);
	const char *host = arg, *port = NULL;
	size_t hostlen = strlen(arg);
	int portnum = default_port;

	memset(t, 0, sizeof(*t));
	if (problem != NULL) {
		snprintf(err, cap, "target '%.40s' %s", arg, problem);
		return -1;
	}
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			snprintf(err, cap,
				 "target '%s': write a bracketed address as [ADDRESS] or "
				 "[ADDRESS]:PORT",
				 arg);
			return -1;
		}
		host = arg + 1;
		hostlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(arg, ':');

		/* One colon separates a port; more mean a bare IPv6 address. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hostlen = (size_t)(colon - arg);
			port = colon + 1;
		}
	}
	if (port != NULL) {
		t->explicit_port = 1;
		portnum = target_parse_port(port);
		if (portnum < 0) {
			snprintf(err, cap, "target '%s': port must be a number from 1 to 65535",
				 arg);
			return -1;
		}
	}
	if (hostlen == 0 || hostlen >= sizeof(t->host)) {
		snprintf(err, cap, "target '%s': no host name or address", arg);
		return -1;
	}
	memcpy(t->host, host, hostlen);
	t->host[hostlen] = '\0';
	t->literal = is_address(t->host);
	if (!t->literal && (arg[0] == '[' || !valid_hostname(t->host))) {
		snprintf(err, cap, "target '%s': '%s' is neither a host name nor an IP address",
			 arg, t->host);
		return -1;
	}
	snprintf(t->port, sizeof(t->port), "%d", portnum);
	text_copy(t->name, sizeof(t->name), arg);
	return 0;
}

void target_label(const struct target *t, enum target_form form, char *buf, size_t cap)
{
	int n;

	if (form == TARGET_AS_GIVEN)
		n = snprintf(buf, cap, "%s", t->name);
	else if (form == TARGET_HOST)
		n = snprintf(buf, cap, "%s", t->host);
	else if (strchr(t->host, ':') != NULL)
		n = snprintf(buf, cap, "[%s]:%s", t->host, t->port);
	else
		n = snprintf(buf, cap, "%s:%s", t->host, t->port);
	if (t->several && n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " (%s)", t->address);
}
