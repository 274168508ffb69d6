# picluster.mpi: the two commands of the README and their parts.
#   make demo   boot a 4-node virtual Pi cluster, provision it with site.yml, run scatter and pi on 16 ranks
#   make test   lint, unit tests and every molecule scenario, from a fresh machine (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CLUSTER ?= picluster
SUITE ?= bookworm
# SCHEDULER=slurm: the cluster runs Slurm too, and the demo submits its jobs to it.
SCHEDULER ?= none
# CLOUD_INIT=1 (with SUITE=trixie): nodes boot like Raspberry Pi OS 13 flashed by Raspberry Pi Imager, cloud-init and all.
CLOUD_INIT ?= 0
LAUNCHER := $(if $(filter slurm,$(SCHEDULER)),slurm,mpirun)
INVENTORY := .vcluster/$(CLUSTER)/inventory.yml
HEAD ?= rpi-0
NP ?= 16
export ANSIBLE_FORCE_COLOR ?= 1
export PY_COLORS ?= 1
# Virtual nodes fetch their packages through one shared apt cache (tools/vcluster --apt-cache): a package crosses the
# network once per machine, not once per node, cluster and scenario. VCLUSTER_APT_CACHE=0 fetches directly.
export VCLUSTER_APT_CACHE ?= 1
STAGE := tools/timed
# The most seconds a stage of `make test` may run, about twice its time on CI, so that a stage that hangs fails alone,
# with its output and what it was running, long before CI's own limit ends the whole run silently.
STAGE_LIMIT_S ?= 900
# The longest scenarios (heal with the shared storage's stories, trixie with the roster and monitoring stories, slurm
# with its stories) take 1,000 to 1,450 s on CI beside the other lane, and up to 1,900 s on a busier machine: 1,800 s
# stopped a trixie run that was passing at 95%.
MOLECULE_LIMIT_S ?= 2700

.PHONY: help
help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@echo "[make] creating $(VENV) with the pinned tools"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

.PHONY: venv
venv: $(BIN)/.installed  ## Create the virtualenv with the pinned tools

.PHONY: host-deps
host-deps:  ## Install the Debian packages the tests use on this machine (needs root)
	tools/install-host-deps.sh

.PHONY: mpi4py-tests
mpi4py-tests:  ## Fetch mpi4py's own one-sided test suites (PyPI sdists, pinned SHA-256), which the scenarios run
	$(PYTHON) tools/fetch-mpi4py-tests

.PHONY: image
image: host-deps  ## Build the virtual Pi node image (cached; rebuilt when its recipe changes)
	NODE_SUITE=$(SUITE) NODE_CLOUD_INIT=$(CLOUD_INIT) tools/build-node-image.sh

.PHONY: image-trixie
image-trixie: host-deps  ## Build the Debian 13 trixie node images (Open MPI 5), plain and as the Imager flashes Raspberry Pi OS 13
	NODE_SUITE=trixie tools/build-node-image.sh
	NODE_SUITE=trixie NODE_CLOUD_INIT=1 tools/build-node-image.sh

.PHONY: image-arm64
image-arm64: host-deps  ## Build the arm64 node image, the Pi's architecture, under qemu (cached; slow the first time)
	NODE_ARCH=arm64 tools/build-node-image.sh

.PHONY: cluster
cluster: image  ## Boot the virtual Pi cluster (CLUSTER=picluster, 4 nodes; SUITE=trixie for Raspberry Pi OS 13; SCHEDULER=slurm; CLOUD_INIT=1)
	tools/vcluster --name $(CLUSTER) up --nodes 4 --slots 4 --suite $(SUITE) --scheduler $(SCHEDULER) \
	  $(if $(filter 1,$(CLOUD_INIT)),--cloud-init,--no-cloud-init)

.PHONY: demo
demo: venv cluster  ## Provision the virtual cluster with site.yml, then run the scatter and pi jobs on it
	$(BIN)/ansible-playbook -i $(INVENTORY) site.yml
	$(BIN)/ansible-playbook -i $(INVENTORY) run_job.yml -e job=scatter -e np=$(NP) -e launcher=$(LAUNCHER)
	$(BIN)/ansible-playbook -i $(INVENTORY) run_job.yml -e job=pi -e np=$(NP) -e launcher=$(LAUNCHER)
	@echo "[make] results saved in results/; log in with: tools/vcluster --name $(CLUSTER) ssh $(HEAD) -- sudo -iu mpi"

# Every container sees the host's memory, so HPL gets a small N here; on real Pis leave hpl_n out.
.PHONY: demo-bench
demo-bench: venv cluster  ## Provision the virtual cluster, then run the pingpong and hpl benchmark jobs on it (charts in results/)
	$(BIN)/ansible-playbook -i $(INVENTORY) site.yml
	$(BIN)/ansible-playbook -i $(INVENTORY) run_job.yml -e job=pingpong -e launcher=$(LAUNCHER)
	$(BIN)/ansible-playbook -i $(INVENTORY) run_job.yml -e job=hpl -e hpl_n=2000 -e hpl_nb=128 -e np=4 -e map_by=node -e launcher=$(LAUNCHER)
	@echo "[make] results and their charts saved in results/"

.PHONY: bench
bench: venv cluster  ## Benchmark pi.py against the blog's pi job, and pingpong and hpl against their limits, on the virtual cluster
	$(BIN)/ansible-playbook -i $(INVENTORY) site.yml
	PATH="$(CURDIR)/$(BIN):$$PATH" bench/pi_bench.py --inventory $(INVENTORY)
	PATH="$(CURDIR)/$(BIN):$$PATH" bench/jobs_bench.py --inventory $(INVENTORY)

.PHONY: bench-provision
bench-provision: venv image  ## Time site.yml (converge, re-run against its module calls alone, CPU seconds) at 4 and 16 nodes, and with Mitogen at 4
	VCLUSTER_APT_CACHE=0 PATH="$(CURDIR)/$(BIN):$$PATH" bench/provision_bench.py --nodes 4 16 --mitogen

.PHONY: bench-scale
bench-scale: venv image  ## Time converge, re-run, check.yml and pingpong at 4, 16, 32 and 64 one-slot nodes (about two hours)
	PATH="$(CURDIR)/$(BIN):$$PATH" bench/provision_bench.py --nodes 4 16 32 64 --slots 1 --pairs 1 --scale \
		--pingpong-args '--rounds 8' --plot docs/scale-time.png

.PHONY: sanity
sanity: venv host-deps  ## ansible-test sanity on a copy of the collection (linters in their own virtualenvs)
	ANSIBLE_TEST=$(CURDIR)/$(BIN)/ansible-test tools/sanity

.PHONY: lint
lint: venv  ## yamllint, ansible-lint (production profile) and ruff
	$(BIN)/yamllint --strict .
	$(BIN)/ruff check .
	$(BIN)/python tools/role-docs --check
	$(BIN)/antsibull-changelog lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production

.PHONY: unit
unit: venv host-deps  ## Unit tests (job scripts, argument specs, tools), with real local mpirun
	$(BIN)/pytest tests/unit --junitxml=.cache/junit/unit.xml

.PHONY: artifact
artifact: venv image  ## Build the collection, install it alone on the lowest and highest ansible-core, run site and run_job from it
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest tests/artifact --junitxml=.cache/junit/artifact.xml

# The molecule scenarios in the order they run. default, heal and slurm share the base cluster in that order (see
# .config/molecule/config.yml); trixie and mixed_arch boot clusters of their own.
SCENARIOS := default heal slurm trixie mixed_arch

.PHONY: molecule
molecule: venv mpi4py-tests image image-trixie image-arm64  ## All molecule scenarios, one after the other (mixed_arch's emulated arm64 nodes are slow)
	for scenario in $(SCENARIOS); do PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule test -s $$scenario; done

.PHONY: molecule-quick
molecule-quick: venv mpi4py-tests image
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule test -s default
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule destroy -s default

# `make test` runs its stages in two lanes at once (make -j2): the base cluster's scenarios in one, the static checks,
# the artifact and the clusters of their own in the other. Each stage is timed by tools/timed; a lane's stages run
# in order, and a stage waits for the image it boots. Output comes a stage at a time, when the stage ends.
# Lane A, the longer, builds only the image its first cluster boots.
LANE_A := stage-image-bookworm stage-molecule-default stage-molecule-heal stage-molecule-slurm
LANE_B := stage-lint stage-sanity stage-unit stage-image-trixie stage-image-arm64 stage-artifact stage-molecule-trixie \
	stage-molecule-mixed_arch
STAGES := $(LANE_A) $(LANE_B)
chain = $(if $(word 2,$(1)),$(eval $(word 2,$(1)): $(word 1,$(1)))$(call chain,$(wordlist 2,$(words $(1)),$(1))))
$(call chain,$(LANE_A))
$(call chain,$(LANE_B))
# heal re-flashes a node with trixie.
stage-molecule-heal: stage-image-trixie
stage-artifact: stage-image-bookworm

.PHONY: $(STAGES)
stage-image-bookworm:
	$(STAGE) image-bookworm --limit $(STAGE_LIMIT_S) -- $(MAKE) --no-print-directory image
stage-image-trixie stage-image-arm64: stage-image-%:
	$(STAGE) image-$* --limit $(STAGE_LIMIT_S) -- $(MAKE) --no-print-directory image-$*
$(filter stage-molecule-%,$(STAGES)): stage-molecule-%:
	$(STAGE) molecule-$* --limit $(MOLECULE_LIMIT_S) -- env PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule test -s $*
stage-lint stage-sanity stage-unit stage-artifact: stage-%:
	$(STAGE) $* --limit $(STAGE_LIMIT_S) -- $(MAKE) --no-print-directory $*

# Runs the stages given two at a time, then prints what the apt cache fetched and the stage table, whatever the
# stages' outcome, and exits with make's status.
run_stages = status=0; since=$$(date +%s); $(MAKE) --no-print-directory -j2 --output-sync=target $(1) || status=$$?; \
	tools/vcluster apt-cache-report --since $$since; $(PYTHON) tools/test-summary; exit $$status

.PHONY: test
test: clean-reports venv host-deps mpi4py-tests  ## The full suite, as CI runs it: every stage, two at a time, then the stage table
	$(call run_stages,$(STAGES))

.PHONY: test-quick
test-quick: clean-reports venv host-deps  ## Lint and unit tests beside the default scenario (amd64), then the stage table
	$(call run_stages,quick-checks quick-molecule)

.PHONY: quick-checks quick-molecule
quick-checks:
	$(STAGE) lint --limit $(STAGE_LIMIT_S) -- $(MAKE) --no-print-directory lint
	$(STAGE) unit --limit $(STAGE_LIMIT_S) -- $(MAKE) --no-print-directory unit
quick-molecule:
	$(STAGE) molecule-default --limit $(MOLECULE_LIMIT_S) -- $(MAKE) --no-print-directory molecule-quick

.PHONY: clean-reports
clean-reports:
	rm -rf .cache/junit .cache/stages

.PHONY: clean
clean:  ## Remove the demo cluster (the image and virtualenv stay)
	tools/vcluster --name $(CLUSTER) down
