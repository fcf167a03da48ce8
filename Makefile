# The README's commands. Meson + Ninja do the building; this file only names the jobs.
#   make run    the main job on the embedded default
#   make test   every test, in a normal and in an ASan+UBSan build
#   make fuzz   run the libFuzzer targets for a while (FUZZ_SECONDS, default 60)

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
KLUIS      := $(BUILD)/src/cli/kluis

.PHONY: all deps build run test test-normal test-asan fuzz clean format

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The main job on the embedded default (SQLite): check the example policies, render their
# statements and registers into out/, run the demo on a fresh store in out/, then serve that
# store over HTTP (kluis serve, with demo API keys) until Ctrl-C.
run: build
	@mkdir -p out
	$(KLUIS) check examples/*.yaml
	@for f in examples/*.yaml; do \
	    n=$$(basename $$f .yaml); \
	    for l in nl en; do \
	        $(KLUIS) statement $$f --lang $$l --format html -o out/$$n.$$l.html || exit 1; \
	        $(KLUIS) statement $$f --lang $$l --format md -o out/$$n.$$l.md || exit 1; \
	    done; \
	    $(KLUIS) register $$f --format csv -o out/$$n.register.csv || exit 1; \
	done
	@echo "Statements and registers are in out/ (open out/*.html in a browser)."
	@echo
	$(KLUIS) demo --fresh --db 'sqlite:out/kluis-demo.db?synchronous=normal' | tee out/demo.txt
	@scripts/serve-demo $(KLUIS) 'sqlite:out/kluis-demo.db' examples/000-mail-assistant.yaml \
	    "$$(grep -o -- '--now [^ ]*' out/demo.txt | tail -1 | cut -d' ' -f2)"

test: deps $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    tests/run-suite $(BUILD) $(ASAN_BUILD)

fuzz:
	@scripts/install-deps fuzz
	CC=clang meson setup $(FUZZ_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dfuzzing=true 2>/dev/null || true
	ninja -C $(FUZZ_BUILD)
	mkdir -p $(FUZZ_BUILD)/corpus-policy
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    $(FUZZ_BUILD)/tests/fuzz_policy $(FUZZ_BUILD)/corpus-policy tests/fuzz/corpus/policy \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -dict=tests/fuzz/policy.dict

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) out
