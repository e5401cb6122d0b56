/* fuzz_session.c - libFuzzer target: the input plays the server, over a
 * socketpair, against the session code: greeting, EHLO, MAIL, RCPT, RSET,
 * AUTH LOGIN, a HELO-trust EHLO and QUIT, with a transcript. */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "classify.h"
#include "session.h"

#define FUZZ_INPUT_MAX ((size_t)64 * 1024) /* fits the socket buffer: no writer thread */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const script[] = {
		"MAIL FROM:<relaytest@example.org>",
		"RCPT TO:<relaytest@example.net>",
		"RSET",
		"AUTH LOGIN",
		"cmVsYXl0ZXN0",
		"cGFzcw==",
		"EHLO localhost",
		"MAIL FROM:<>",
		"RCPT TO:<postmaster@example.com>",
		"QUIT",
	};
	int sv[2];
	struct session s;
	struct transcript log;
	struct rt_error err;

	if (size > FUZZ_INPUT_MAX || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	transcript_init(&log, 1);
	session_init(&s, &log, 1000, net_now_ms() + 5000);
	s.number = 1;
	if (session_open_fd(&s, sv[0], "client.example.org", &err) == 0) {
		for (size_t i = 0; i < sizeof(script) / sizeof(script[0]) && s.open; i++) {
			struct reply r;

			if (session_command(&s, script[i], &r, &err) == 0) {
				const char *sent[] = { script[i] };

				(void)classify(CLASSIFY_RCPT, &r, sent, 1);
			}
		}
	}
	session_close(&s, "done");
	transcript_free(&log);
	close(sv[1]);
	return 0;
}
