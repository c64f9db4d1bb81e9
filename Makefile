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
            tmux

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
ORCH_SRC   := $(filter-out $(MAINS), $(wildcard orchestrator/*.c))
DRV_SRC    := $(wildcard drivers/*.c)
LAB_SRC    := $(filter-out $(MAINS), $(wildcard lab/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

ORCH_OBJ   := $(ORCH_SRC:%.c=$(B)/obj/%.o)
DRV_OBJ    := $(DRV_SRC:%.c=$(B)/obj/%.o)
LAB_OBJ    := $(LAB_SRC:%.c=$(B)/obj/%.o)
LIB        := $(B)/libixfab.a
LABLIB     := $(B)/libvswitch.a
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_BIN   := $(B)/tests/nc_floor

BINS := $(B)/ixfabd $(B)/ixfabctl $(B)/ixfab-vswitch

all: $(BINS) $(UNIT_BIN)

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

$(B)/ixfabctl: $(B)/obj/orchestrator/ixfabctl.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/ixfab-vswitch: $(B)/obj/lab/vswitch_main.o $(LABLIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

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

demo: deps
	$(MAKE) all
	sh lab/demo.sh

# -------------------------------------------------------------- install

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ixfab
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -r yang templates $(DESTDIR)$(PREFIX)/share/ixfab/

clean:
	rm -rf build

.PHONY: all deps check check-long test format-check format demo install clean
