# cgwarden: build, test, fuzz, bench, demo, install.
#
# Sources are found by pattern, so a new module needs no Makefile edit:
#   probes/*.c            -> build/$(V)/libprobes.a (pure readers and parsers)
#   agent/*.c             -> build/$(V)/libagent.a, plus agent/main.c -> agent/cgwarden
#   tests/unit/test_*.c   -> one cmocka binary each, linked with both libraries
#   tests/fuzz/fuzz_*.c   -> one libFuzzer binary each (clang), same libraries
# SANITIZE=1 builds everything with ASan+UBSan into build/asan/ instead of
# build/release/, and agent/cgwarden becomes that build.

V        ?= $(if $(filter 1,$(SANITIZE)),asan,release)
B        := build/$(V)
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV   := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter -Wvla -Wimplicit-fallthrough
CPPFLAGS := -D_GNU_SOURCE -I. -DCGW_VERSION='"$(VERSION)"' -DCGW_GITREV='"$(GITREV)"'
CFLAGS   := -std=gnu11 -g $(WARN) -fstack-protector-strong -fPIE -pthread
LDFLAGS  := -pie -Wl,-z,relro,-z,now -pthread
LIBS     := -lmicrohttpd -lcjson -lgnutls

SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ifeq ($(V),asan)
CFLAGS   += -O1 $(SAN)
LDFLAGS  += $(SAN)
else ifeq ($(V),fuzz)
# libFuzzer targets: clang, coverage instrumentation on the libraries too.
CC       := clang
CFLAGS   += -O1 $(SAN) -fsanitize=fuzzer-no-link
LDFLAGS  += $(SAN)
else
CFLAGS   += -O2
CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

PROBE_SRC  := $(sort $(wildcard probes/*.c))
AGENT_SRC  := $(sort $(filter-out agent/main.c,$(wildcard agent/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
WEB_FILES  := $(sort $(wildcard web/*.html web/*.js web/*.css web/*.svg)) web/node_modules/uplot/dist/uPlot.iife.min.js \
              web/node_modules/uplot/dist/uPlot.min.css

PROBE_OBJ  := $(PROBE_SRC:%.c=$(B)/%.o)
AGENT_OBJ  := $(AGENT_SRC:%.c=$(B)/%.o) $(B)/agent/web_assets.o
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/bin/%)

.PHONY: all deps deps-bench test unit fuzz fuzz-smoke integration bench soak demo install clean web FORCE
.DELETE_ON_ERROR:

all: agent/cgwarden

# The objects that print the revision (--version, /api/v1/version, the
# cgwarden_build_info series) depend on a file rewritten only when HEAD
# moves: otherwise a commit that leaves them unchanged keeps the old one.
$(B)/gitrev: FORCE
	@mkdir -p $(dir $@)
	@echo '$(GITREV)' | cmp -s - $@ || echo '$(GITREV)' >$@
$(B)/agent/main.o $(B)/agent/api.o $(B)/agent/metrics.o: $(B)/gitrev

# agent/cgwarden is a copy of the current variant's binary, so switching
# SANITIZE=1 on and off replaces it.
agent/cgwarden: $(B)/cgwarden FORCE
	@cmp -s $< $@ || cp $< $@

$(B)/cgwarden: $(B)/agent/main.o $(B)/libagent.a $(B)/libprobes.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/libprobes.a: $(PROBE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libagent.a: $(AGENT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The dashboard is embedded in the binary: one file deploys.
$(B)/agent/web_assets.c: web/embed $(WEB_FILES)
	@mkdir -p $(dir $@)
	web/embed $(WEB_FILES) >$@

$(B)/agent/web_assets.o: $(B)/agent/web_assets.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

web/node_modules/uplot/dist/%: web/node_modules/.stamp ;

web/node_modules/.stamp: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(B)/unit/%: tests/unit/%.c $(B)/libagent.a $(B)/libprobes.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -DFIXTURES='"$(CURDIR)/tests/fixtures"' -o $@ $(filter %.c %.a,$^) $(LDFLAGS) $(LIBS) -lcmocka

build/fuzz/bin/%: tests/fuzz/%.c $(B)/libagent.a $(B)/libprobes.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -fsanitize=fuzzer -o $@ $(filter %.c %.a,$^) $(LDFLAGS) -fsanitize=fuzzer $(LIBS)

unit: $(UNIT_BIN) agent/cgwarden

deps:
	@tests/tools/deps test

deps-bench:
	@tests/tools/deps bench

# make test: deps, build, unit tests, fuzz smoke, then the integration tests in
# the VM and the host tests; one line "N passed, N failed" at the end.
# make test SANITIZE=1 (CI's second pass) runs the unit and integration tests
# on the ASan+UBSan build, and neither the fuzz smoke (the fuzz targets are
# built with ASan+UBSan in every pass) nor the host tests (browser and
# Prometheus against an agent whose API the integration tests already drive
# under the sanitizers): CI stays well inside its 90 minutes.
ASAN       := $(if $(filter asan,$(V)),1)
test: deps
	@$(MAKE) --no-print-directory all unit
	$(if $(ASAN),,@$(MAKE) --no-print-directory V=fuzz fuzz-build)
	@SANITIZE=$(ASAN) tests/run-tests $(if $(ASAN),unit integration)

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) --no-print-directory V=fuzz fuzz-build
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-60} tests/run-tests fuzz

bench: deps-bench all
	tests/bench/run

soak: deps all
	tests/soak/run

demo: deps all
	tests/tools/demo

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]: the binary,
# the man page, the systemd unit and a default config (an existing config is
# kept). docs/operations.md lists the files.
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
install: all
	install -D -m 0755 agent/cgwarden $(DESTDIR)$(SBINDIR)/cgwarden
	install -D -m 0644 docs/cgwarden.8 $(DESTDIR)$(MANDIR)/man8/cgwarden.8
	@mkdir -p $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' docs/deploy/cgwarden.service.in \
		>$(DESTDIR)$(UNITDIR)/cgwarden.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cgwarden.service
	@mkdir -p $(DESTDIR)$(SYSCONFDIR)/cgwarden
	test -e $(DESTDIR)$(SYSCONFDIR)/cgwarden/cgwarden.json || \
		install -m 0644 docs/deploy/cgwarden.json $(DESTDIR)$(SYSCONFDIR)/cgwarden/cgwarden.json

clean:
	rm -rf build agent/cgwarden

FORCE:

-include $(shell find build -name '*.d' 2>/dev/null)
