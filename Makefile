# hastecrm_perf — PGXS build of the C++ extension.
#
#   make              build hastecrm_perf.so
#   make install      install it into the server found by pg_config
#   make unit         build and run the GoogleTest unit tests of src/core (no server)
#   make installcheck pg_regress + pg_isolation_regress against a running server
#   make tap          TAP tests (each makes its own throwaway clusters)

EXTENSION   = hastecrm_perf
EXTVERSION  = 0.2
MODULE_big  = hastecrm_perf
DATA        = $(wildcard sql/$(EXTENSION)--*.sql)
PGFILEDESC  = "hastecrm_perf - database performance toolkit"

CORE_SRCS   = $(wildcard src/core/*.cpp)
SHELL_SRCS  = $(wildcard src/*.cpp src/pg/*.cpp src/reports/*.cpp src/stats/*.cpp src/worker/*.cpp \
              src/history/*.cpp src/health/*.cpp src/advice/*.cpp)
OBJS        = $(CORE_SRCS:.cpp=.o) $(SHELL_SRCS:.cpp=.o)

PG_CONFIG  ?= pg_config

# Our functions are SRFs, hooks and a worker: JIT inlining of them gains
# nothing, and skipping the bitcode build keeps clang's C++ front end out of it.
override with_llvm = no

CXXWARN     = -Wall -Wextra -Wno-missing-field-initializers
# -MMD: rebuild objects when a header they include changes. Frame pointers, as
# in PostgreSQL's own build: profilers then walk the stack through our code.
PG_CXXFLAGS = -fno-omit-frame-pointer -std=c++20 $(CXXWARN) -Werror=return-type -Isrc -MMD -MP
SHLIB_LINK  = -lstdc++

# Test inputs: pg_regress (PG15) reads <inputdir>/sql and <inputdir>/expected,
# pg_isolation_regress reads <inputdir>/specs; build/regress links them to the tree.
REGRESS      = $(basename $(notdir $(wildcard test/*.sql)))
REGRESS_OPTS = --inputdir=build/regress --outputdir=build/regress-out
ISOLATION    = $(basename $(notdir $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=build/regress --outputdir=build/isolation-out

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL's headers are system headers for us: their warnings are not ours.
override CPPFLAGS := $(patsubst -I%,-isystem %,$(filter -I%,$(CPPFLAGS))) $(filter-out -I%,$(CPPFLAGS))

-include $(OBJS:.o=.d)

installcheck: regress-inputs
.PHONY: regress-inputs unit tap
regress-inputs:
	@mkdir -p build/regress build/regress-out build/isolation-out
	@ln -sfn ../../test build/regress/sql
	@ln -sfn ../../test/specs build/regress/specs
	@ln -sfn ../../expected build/regress/expected

# Unit tests: the core only, no PostgreSQL headers, no server.
UNIT_SRCS = $(wildcard test/unit/*.cpp)
build/unit_tests: $(UNIT_SRCS) $(CORE_SRCS) $(wildcard src/core/*.hpp)
	@mkdir -p build
	$(CXX) -std=c++20 $(CXXWARN) -Werror -O1 -g -Isrc -o $@ $(UNIT_SRCS) $(CORE_SRCS) -lgtest -lgtest_main -pthread

unit: build/unit_tests
	build/unit_tests

PG_PERL_LIB = $(top_builddir)/src/test/perl
tap: all
	rm -rf tmp_check
	TESTDIR='$(CURDIR)' PATH="$(bindir):$$PATH" PG_REGRESS='$(top_builddir)/src/test/regress/pg_regress' \
	  prove -I '$(PG_PERL_LIB)' -I test/t $(PROVE_FLAGS) $(or $(PROVE_TESTS),test/t/*.pl)

EXTRA_CLEAN = build tmp_check $(OBJS:.o=.d)
