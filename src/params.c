/* params.c - the command line's choices as the engine's parameters. */
#include "params.h"

#include <string.h>

#include "net.h"

_Static_assert(CLI_CONNECTIONS_MAX <= ENGINE_CONNECTIONS_MAX,
	       "--connections allows no more than the engine can hold");
_Static_assert(WAITS_SLOTS > ENGINE_CONNECTIONS_MAX,
	       "a slot for each connection open at once, and one for the target");

static enum engine_tls engine_tls_of(enum cli_tls tls)
{
	static const enum engine_tls map[CLI_TLS_COUNT] = {
		[CLI_TLS_AUTO] = ENGINE_TLS_AUTO,
		[CLI_TLS_STARTTLS] = ENGINE_TLS_STARTTLS,
		[CLI_TLS_IMPLICIT] = ENGINE_TLS_IMPLICIT,
		[CLI_TLS_NO] = ENGINE_TLS_NO,
	};

	return map[tls];
}

void params_from_config(const struct config *cfg, struct engine_params *p)
{
	memset(p, 0, sizeof(*p));
	p->family = cfg->family;
	p->timeout_ms = cfg->timeout_ms;
	p->max_time_ms = cfg->max_time_ms;
	if (cfg->run_deadline_ms > 0) {
		long long left = cfg->run_deadline_ms - (long long)net_now_ms();

		if (left < p->max_time_ms)
			p->max_time_ms = left > 0 ? (int)left : 0;
	}
	p->error_budget = cfg->error_budget;
	p->connections = cfg->connections;
	p->connections_set = cfg->connections_set;
	p->alone = cfg->alone;
	p->helo = cfg->helo;
	p->domain = cfg->domain;
	p->from = cfg->from;
	p->to = cfg->to;
	memcpy(p->selected, cfg->selected, sizeof(p->selected));
	p->send = cfg->send;
	p->no_data_probe = cfg->no_data_probe;
	p->no_pipelining = cfg->no_pipelining;
	p->tls = engine_tls_of(cfg->tls);
	p->verbose = cfg->verbose;
	p->late_ms = ENGINE_LATE_MS;
}
