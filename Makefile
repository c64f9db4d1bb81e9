# ixfab - provisioning back end for IX-API exchanges.
#
#   make            build build/ixfabd, build/ixfabctl, build/ixfab-vswitch
#   make check      unit and integration tests, then the same under
#                   AddressSanitizer and UBSan, then the formatting check
#   make demo       a lab fabric of virtual switches with one order on it
#   make deps       install the Debian packages that are missing (as root)
#   make install    PREFIX=/usr/local DESTDIR=

PKGS     := libnetconf2 libyang libssh jansson libzmq sqlite3
DEB_PKGS := build-essential pkg-config libnetconf2-dev libyang2-dev \
            libyang2-tools libssh-dev libjansson-dev libzmq3-dev \
            libsqlite3-dev libcmocka-dev libyuma-base clang-format \
            python3 python3-ncclient python3-zmq netconfd openssh-server \
            openssh-client tmux clang libclang-rt-14-dev groff-base

PREFIX  ?= /usr/local
DESTDIR ?=

# SAN=1 builds everything with AddressSanitizer and UBSan into build/san.
ifeq ($(SAN),1)
B        := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
OPT      := -O1
else
B        := build
SANFLAGS :=
OPT      := -O2
endif

CC      ?= cc
CFLAGS  := -std=c11 -D_GNU_SOURCE -DNC_ENABLED_SSH -Wall -Wextra -Werror \
           -g $(OPT) $(SANFLAGS) -Iorchestrator -Idrivers -Ilab \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
           -DIXFAB_DATADIR='"$(PREFIX)/share/ixfab"'
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
LDFLAGS := $(SANFLAGS)

MAINS      := orchestrator/ixfabd.c orchestrator/ixfabctl.c lab/vswitch_main.c
CTL_SRC    := $(wildcard orchestrator/ctl_*.c)
ORCH_SRC   := $(filter-out $(MAINS) $(CTL_SRC), $(wildcard orchestrator/*.c))
DRV_SRC    := $(wildcard drivers/*.c)
LAB_SRC    := $(filter-out $(MAINS), $(wildcard lab/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

ORCH_OBJ   := $(ORCH_SRC:%.c=$(B)/obj/%.o)
CTL_OBJ    := $(CTL_SRC:%.c=$(B)/obj/%.o)
DRV_OBJ    := $(DRV_SRC:%.c=$(B)/obj/%.o)
LAB_OBJ    := $(LAB_SRC:%.c=$(B)/obj/%.o)
LIB        := $(B)/libixfab.a
LABLIB     := $(B)/libvswitch.a
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_BIN   := $(B)/tests/nc_floor

BINS := $(B)/ixfabd $(B)/ixfabctl $(B)/ixfab-vswitch

all: $(BINS) $(UNIT_BIN) $(TOOL_BIN)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(ORCH_OBJ) $(DRV_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LABLIB): $(LAB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/ixfabd: $(B)/obj/orchestrator/ixfabd.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/ixfabctl: $(B)/obj/orchestrator/ixfabctl.o $(CTL_OBJ) $(LIB) $(LABLIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/ixfab-vswitch: $(B)/obj/lab/vswitch_main.o $(LABLIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the bare libnetconf2 client the throughput benchmark measures against
$(B)/tests/nc_floor: tests/nc_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- tests

deps:
	@sh tests/deps.sh $(DEB_PKGS)

check: deps
	$(MAKE) all
	IXFAB_BUILD=build sh tests/run.sh
	$(MAKE) SAN=1 all
	IXFAB_BUILD=build/san CRASH_POINTS=3 sh tests/run.sh
	$(MAKE) format-check

test: all
	IXFAB_BUILD=build sh tests/run.sh

# 200 crash points drawn at random, on top of the ordinary suite
check-long: all
	IXFAB_BUILD=build sh tests/run.sh
	sh tests/integration/test_crash.sh build 200 random

format-check:
	@clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]')
	@echo "format: ok"

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

# ---------------------------------------------------------- benchmarks
# make bench: builds tests/bench/*.c and runs every tests/bench/*.sh
# through tests/bench/run.sh.  Measurements, not pass/fail tests.

BENCH_BIN := $(patsubst tests/bench/%.c,$(B)/bench/%,$(wildcard tests/bench/*.c))

$(B)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bench: all $(BENCH_BIN)
	sh tests/bench/run.sh $(B)

# ------------------------------------------------------------- fuzzing
# make fuzz [FUZZ_SECONDS=600]: builds every tests/fuzz/fuzz_*.c with
# libFuzzer and the sanitizers, runs each for FUZZ_SECONDS; new inputs go
# to build/fuzz/corpus-NAME, seeds come from FUZZ_SEEDS_NAME.

FUZZ_SECONDS  ?= 600
FUZZ_SRC      := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN      := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS   := $(filter-out -O% -Werror $(SANFLAGS),$(CFLAGS)) -O1 \
                 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
                 -DIXFAB_FUZZ
FUZZ_SEEDS_fuzz_job := tests/corpus
FUZZ_SEEDS_fuzz_vswitch_rpc := tests/fuzz/vswitch_rpc
FUZZ_SEEDS_fuzz_wire := tests/fuzz/wire
FUZZ_SEEDS_fuzz_device_reply := tests/fuzz/device_reply

build/fuzz/%: tests/fuzz/%.c $(ORCH_SRC) $(DRV_SRC) $(LAB_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_BIN)
	$(foreach f,$(FUZZ_BIN),mkdir -p build/fuzz/corpus-$(notdir $f) && \
	  $f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  build/fuzz/corpus-$(notdir $f) $(FUZZ_SEEDS_$(notdir $f)) && ) true

demo: deps
	$(MAKE) all
	sh lab/demo.sh

# -------------------------------------------------------------- install

UNITDIR    ?= $(PREFIX)/lib/systemd/system
DOCDIR     ?= $(PREFIX)/share/doc/ixfab
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ixfab \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -r yang templates $(DESTDIR)$(PREFIX)/share/ixfab/
	install -m 0644 docs/ixfabctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/bash-completion/ixfabctl $(DESTDIR)$(BASHCOMPDIR)/
	install -m 0644 docs/examples/*.json docs/examples/ctl.conf \
	  $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/
	sed 's|@PREFIX@|$(PREFIX)|g' docs/examples/ixfabd.service \
	  >$(DESTDIR)$(UNITDIR)/ixfabd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ixfabd.service

clean:
	rm -rf build

.PHONY: all deps check check-long test format-check format demo install clean fuzz
