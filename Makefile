# relaytest - see README.md. `make` builds ./relaytest, `make check` runs every test.

CC      ?= cc
CSTD     = -std=c17
WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Werror
HARDEN   = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT     ?= -O2 -g
CPPFLAGS += -D_DEFAULT_SOURCE -Iinclude
CFLAGS  += $(CSTD) $(WARN) $(HARDEN) $(OPT)
LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS  += -lm

BUILD   ?= build
LIB_SRC  = $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%.o)
HEADERS  = $(wildcard include/*.h) tests/unit/check.h

all: relaytest

relaytest: $(BUILD)/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit_tests: $(UNIT_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fakesmtpd: tests/fakesmtpd.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

check: relaytest $(BUILD)/unit_tests $(BUILD)/fakesmtpd
	RELAYTEST=./relaytest UNIT_TESTS=$(BUILD)/unit_tests FAKESMTPD=$(BUILD)/fakesmtpd \
		bash tests/run.sh

bench: relaytest
	bash bench/relay-vs-nmap.sh 5

clean:
	rm -rf build build-* relaytest

.PHONY: all check bench clean
