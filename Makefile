# relaytest - see README.md. `make` builds ./relaytest, `make check` runs every test,
# `make check-quick` the fast ones, `make scenario NAME=x` one scenario.

CC      ?= cc
CSTD     = -std=c17
WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Werror
HARDEN   = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
# Each object's stack frame sizes, in $(BUILD)/*.su: tests check that no
# frame is large (connection threads have a stack of their own size).
STACK    = -fstack-usage
OPT     ?= -O2 -g
SAN     ?=
CPPFLAGS += -D_DEFAULT_SOURCE -Iinclude
CFLAGS  += $(CSTD) $(WARN) $(HARDEN) $(STACK) $(OPT) $(SAN)
LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS  += -lm

BUILD   ?= build
BIN     ?= relaytest
LIB_SRC  = $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%.o)
HEADERS  = $(wildcard include/*.h src/*.h) tests/unit/check.h
FUZZERS  = fuzz_reply fuzz_session fuzz_mx fuzz_targets fuzz_report fuzz_engine

# The sanitizer build of the whole suite (clang or gcc).
SAN_CC    ?= clang
SAN_FLAGS  = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Fuzzing: libFuzzer needs clang. FUZZ_SECONDS=0 replays the corpus only.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 0

all: $(BIN)

$(BIN): $(BUILD)/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit_tests: $(UNIT_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/manyfake: bench/manyfake.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The fake server speaks TLS through relaytest's own tls.c (libssl at run time).
FAKE_OBJ = $(BUILD)/tls.o $(BUILD)/text.o $(BUILD)/error.o
$(BUILD)/fakesmtpd: tests/fakesmtpd.c $(FAKE_OBJ) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(FAKE_OBJ)

# A plain build of each fuzz target with a main() that replays files.
$(BUILD)/%_replay: tests/fuzz/%.c tests/fuzz/replay.c $(LIB_OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

sanitized:
	$(MAKE) --no-print-directory BUILD=build-san BIN=build-san/relaytest CC=$(SAN_CC) \
		OPT="-O1 -g" SAN="$(SAN_FLAGS)" build-san/relaytest build-san/unit_tests \
		$(FUZZERS:%=build-san/%_replay)

fuzzers:
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) OPT="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
		$(FUZZERS:%=build-fuzz/%)

build-fuzz/%: tests/fuzz/%.c $(LIB_OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LDLIBS)

check: $(BIN) $(BUILD)/unit_tests $(BUILD)/fakesmtpd $(BUILD)/manyfake $(FUZZERS:%=$(BUILD)/%_replay) sanitized \
		$(if $(filter-out 0,$(FUZZ_SECONDS)),fuzzers)
	RELAYTEST=./$(BIN) UNIT_TESTS=$(BUILD)/unit_tests FAKESMTPD=$(BUILD)/fakesmtpd \
	MANYFAKE=$(BUILD)/manyfake \
	SAN_RELAYTEST=build-san/relaytest SAN_UNIT_TESTS=build-san/unit_tests \
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/run.sh

# The edit-build-test loop (about 2.5 minutes): unit, cli, every scenario once
# (no json, lock-step or concurrent twin), multi, formats and docs, with the
# plain build only.
QUICK_SECTIONS = unit cli scenarios multi formats docs
check-quick: $(BIN) $(BUILD)/unit_tests $(BUILD)/fakesmtpd
	RELAYTEST=./$(BIN) UNIT_TESTS=$(BUILD)/unit_tests FAKESMTPD=$(BUILD)/fakesmtpd \
	SECTIONS="$(QUICK_SECTIONS)" TWINS=0 bash tests/run.sh

# One scenario, tests/scenarios/NAME.scn or tests/tls/NAME.scn, with its twins.
scenario: $(BIN) $(BUILD)/fakesmtpd
	RELAYTEST=./$(BIN) FAKESMTPD=$(BUILD)/fakesmtpd SECTIONS=scenario SCENARIO='$(NAME)' bash tests/run.sh

# Run each fuzzer for FUZZ_SECONDS (default 60 here) on a copy of its corpus.
fuzz: fuzzers
	FUZZ_SECONDS=$(if $(filter 0,$(FUZZ_SECONDS)),60,$(FUZZ_SECONDS)) bash tests/fuzz/run.sh

PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
VERSION := $(shell sed -n 's/.*RELAYTEST_VERSION "\(.*\)"/\1/p' include/version.h)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/relaytest
	install -m 644 relaytest.1 $(DESTDIR)$(MANDIR)/relaytest.1
	install -m 644 completion/relaytest.bash $(DESTDIR)$(BASHCOMPDIR)/relaytest

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/relaytest $(DESTDIR)$(MANDIR)/relaytest.1 \
		$(DESTDIR)$(BASHCOMPDIR)/relaytest

# The release tarball: every tracked file, under relaytest-VERSION/.
dist:
	@git ls-files >/dev/null 2>&1 || { echo "make dist: needs a git checkout"; exit 1; }
	git ls-files | tar -czf relaytest-$(VERSION).tar.gz \
		--transform 's,^,relaytest-$(VERSION)/,' -T -
	@echo "relaytest-$(VERSION).tar.gz"

demo: $(BIN) $(BUILD)/fakesmtpd
	@RELAYTEST=./$(BIN) FAKESMTPD=$(BUILD)/fakesmtpd bash tests/demo.sh

bench: $(BIN)
	bash bench/relay-vs-nmap.sh 5

clean:
	rm -rf build build-* relaytest relaytest-*.tar.gz

.PHONY: all check check-quick scenario sanitized fuzzers fuzz install uninstall dist demo bench clean
