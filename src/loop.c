/* loop.c - the one command loop (after msmtp's smtp_send_envelope): a
 * window of commands goes out in one write, their replies are read in
 * order, then the next window goes. A window of 1 is lock-step. Every kind
 * of test uses it; what a reply means is the caller's business. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

int loop_init(struct loop *l, size_t window)
{
	memset(l, 0, sizeof(*l));
	l->window = window > 0 ? window : 1;
	l->cmds = malloc(LOOP_COMMANDS_MAX * sizeof(*l->cmds));
	return l->cmds != NULL ? 0 : -1;
}

void loop_free(struct loop *l)
{
	free(l->cmds);
	l->cmds = NULL;
}

int loop_add(struct loop *l, size_t owner, enum loop_kind kind, int alone, const char *line)
{
	struct loop_command *c;

	if (l->n >= LOOP_COMMANDS_MAX || l->n != l->end)
		return -1;
	c = &l->cmds[l->n++];
	l->end = l->n;
	text_copy(c->line, sizeof(c->line), line);
	c->body = NULL;
	c->owner = owner;
	c->kind = kind;
	c->alone = alone;
	return 0;
}

int loop_add_message(struct loop *l, size_t owner, const char *body)
{
	if (loop_add(l, owner, LOOP_MESSAGE, 1, "") < 0)
		return -1;
	l->cmds[l->n - 1].body = body;
	return 0;
}

void loop_cut(struct loop *l, size_t owner)
{
	size_t i = l->read;

	while (i < l->n && l->cmds[i].owner < owner)
		i++;
	l->end = i;
	if (l->n > l->sent && l->n > i)
		l->n = i > l->sent ? i : l->sent; /* unsent ones are dropped */
}

int loop_has_orphans(const struct loop *l)
{
	return l->sent > l->end;
}

/* Send the commands of the next window: up to window of them, stopping
 * before a command that goes alone (which goes by itself). */
static int send_window(struct session *s, struct loop *l, struct rt_error *err)
{
	const char *lines[LOOP_COMMANDS_MAX];
	size_t n = 0;

	while (l->sent + n < l->end && n < l->window) {
		const struct loop_command *c = &l->cmds[l->sent + n];

		if (c->alone && n > 0)
			break;
		lines[n++] = c->line;
		if (c->alone)
			break;
	}
	if (session_send_group(s, lines, n, err) < 0)
		return -1;
	l->sent += n;
	return 0;
}

/* The reply that ends a connection (421) is a failure, not an answer. */
static enum loop_event closing(const struct reply *rp, struct rt_error *err)
{
	char line[REPLY_TEXT_MAX];

	reply_line(rp, 0, line, sizeof(line));
	error_set(err, ERR_REFUSED, "421 %s", line);
	return LOOP_FAILED;
}

enum loop_event loop_next(struct session *s, struct loop *l, int64_t late_ms, struct reply *rp,
			  size_t *at, struct rt_error *err)
{
	int rc;

	*at = l->read;
	if (l->read >= l->end)
		return LOOP_END;
	reply_init(rp);
	if (l->sent == l->read && l->cmds[l->read].kind == LOOP_MESSAGE) {
		/* A message goes out with its final dot and has one reply. */
		l->asked = net_now_ms();
		l->sent++;
		l->read++;
		rc = session_data(s, l->cmds[*at].body, rp, err);
		l->took_ms = net_now_ms() - l->asked;
		return rc < 0 ? LOOP_FAILED : rp->code == 421 ? closing(rp, err) : LOOP_REPLY;
	}
	if (l->sent == l->read) {
		if (send_window(s, l, err) < 0)
			return LOOP_FAILED;
		l->asked = net_now_ms();
		l->late_told = 0;
	}
	session_expect(s, l->cmds[*at].line);
	if (late_ms > 0 && !l->late_told && !net_reply_started(&s->conn, l->asked + late_ms)) {
		l->late_told = 1;
		return LOOP_LATE;
	}
	rc = session_read(s, rp, l->asked, err);
	l->took_ms = net_now_ms() - l->asked;
	l->read++;
	l->asked = net_now_ms(); /* the server answers a window's commands in turn */
	l->late_told = 0;
	if (rc < 0)
		return LOOP_FAILED;
	return rp->code == 421 ? closing(rp, err) : LOOP_REPLY;
}
