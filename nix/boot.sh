#!/usr/bin/env bash
# Keelson's boot: the container's entrypoint. nix/boot.nix wraps this file with
# writeShellApplication; on a machine without Nix, `cd backend && bash ../nix/boot.sh`.
#
#   boot [serve]         check the flags, wait for PostgreSQL, migrate, collectstatic,
#                        then exec gunicorn (it becomes PID 1)
#   boot migrate         one-shot migration job: deploy checks, locked migrate, exit
#   boot manage ARGS...  any management command, same environment and settings
#   boot check           check the environment and run the deploy checks
#   boot healthcheck     GET /health/ on the local bind port (Docker HEALTHCHECK, no curl)
#
# The working directory is the backend root. Tools come from PATH only (bash, sleep,
# pg_isready, python, gunicorn). Every line it prints is one JSON object with the keys
# of the backend's logs and logger "boot". The contract, exit codes included, is
# docs/BOOT_AND_RUNTIME.md: change both together.
set -o errexit -o nounset -o pipefail

# Exit codes (sysexits.h). Interrupted boots exit 128 + the signal: 130, 143.
exit_usage=64
exit_unavailable=69
exit_migrate=70
exit_config=78

# Seconds between two pg_isready attempts: readiness is noticed within 0.25 s.
poll_interval=0.1
# Names whose values never reach the output.
secret_names='PASSWORD|SECRET|TOKEN|KEY'
# The variables of Keelson's contract (.env.example) that the configuration line shows.
contract_names='^(DJANGO_|POSTGRES_|GUNICORN_|RUN_|MIGRATIONS_|SECURE_|CSRF_|CORS_|METRICS_|SECRET_KEY|ALLOWED_HOSTS$|DEBUG$|STATIC_ROOT$|LOG_DIR$|CONN_MAX_AGE$|DRAIN_SECONDS$)'
steps_command=(python manage.py boot_steps)
gunicorn_command=(gunicorn --config gunicorn_config.py config.wsgi:application)

boot_started_us=${EPOCHREALTIME//[!0-9]/}
child_pid=''
steps_pid=''
steps_go_fd=''

# ---------------------------------------------------------------- output
# json_quote VAR TEXT: VAR becomes TEXT as a JSON string, quotes included.
json_quote() {
	local text=$2 code hex char
	text=${text//\\/\\\\}
	text=${text//\"/\\\"}
	text=${text//$'\n'/\\n}
	text=${text//$'\r'/\\r}
	text=${text//$'\t'/\\t}
	if [[ $text == *[$'\x01'-$'\x1f']* ]]; then
		for ((code = 1; code < 32; code++)); do
			printf -v hex '%02x' "$code"
			printf -v char '%b' "\\x$hex"
			text=${text//"$char"/\\u00$hex}
		done
	fi
	printf -v "$1" '"%s"' "$text"
}

# log LEVEL MESSAGE [NAME=TEXT | NAME:=JSON]...: one JSON line on stdout.
log() {
	local level=$1 message=$2 now stamp line field quoted
	shift 2
	now=${EPOCHREALTIME//[!0-9]/}
	TZ=UTC printf -v stamp '%(%Y-%m-%dT%H:%M:%S)T' "${now:0:-6}"
	json_quote quoted "$message"
	line="{\"timestamp\":\"$stamp.${now: -6:3}+00:00\",\"level\":\"$level\",\"logger\":\"boot\""
	line+=",\"message\":$quoted,\"request_id\":null"
	line+=",\"elapsed_ms\":$(((now - boot_started_us) / 1000))"
	for field in "$@"; do
		if [[ $field == *:=* ]]; then
			line+=",\"${field%%:=*}\":${field#*:=}"
		else
			json_quote quoted "${field#*=}"
			line+=",\"${field%%=*}\":$quoted"
		fi
	done
	printf '%s}\n' "$line"
}

# A value as it may appear in an error line: bounded, so a pasted blob stays one short line.
shown() {
	local value=$1
	((${#value} <= 60)) || value="${value:0:57}..."
	printf '%s' "$value"
}

# The loud, boxed warning of a dangerous state: one JSON line per row of the box.
warn_boxed() {
	local row border
	printf -v border '%*s' 78 ''
	border=${border// /*}
	log WARNING "$border" step=emergency
	for row in "$@"; do
		printf -v row '* %-74s *' "$row"
		log WARNING "$row" step=emergency
	done
	log WARNING "$border" step=emergency
}

# ---------------------------------------------------------------- children and signals
# Long children run in the background and the script waits for them: bash runs a trap
# only between commands, and `wait` returns at once when a signal comes.
run_child() {
	local status=0
	"$@" &
	child_pid=$!
	wait "$child_pid" || status=$?
	child_pid=''
	return "$status"
}

stop_children() {
	local pid
	for pid in "$child_pid" "$steps_pid"; do
		[[ -z $pid ]] || kill -TERM "$pid" 2>/dev/null || true
	done
}

die() {
	stop_children
	exit "$1"
}

on_signal() {
	local name=$1 status=$2
	trap '' TERM INT
	stop_children
	log WARNING "boot interrupted by $name before gunicorn started" step=signal "exit_code:=$status"
	exit "$status"
}

trap_signals() {
	trap 'on_signal SIGTERM 143' TERM
	trap 'on_signal SIGINT 130' INT
}

# ---------------------------------------------------------------- configuration
check_flag() {
	local name=$1 value=$2
	[[ $value == 0 || $value == 1 ]] && return 0
	log ERROR "$name must be 0 or 1, not '$(shown "$value")'. Hint: set $name=0 or $name=1 (see .env.example)" \
		step=config "variable=$name" "exit_code:=$exit_config"
	return 1
}

check_timeout() {
	local value=$1
	[[ $value =~ ^[1-9][0-9]{0,5}$ ]] && return 0
	log ERROR "POSTGRES_WAIT_TIMEOUT must be a whole number of seconds, at least 1, not '$(shown "$value")'. Hint: e.g. POSTGRES_WAIT_TIMEOUT=60" \
		step=config variable=POSTGRES_WAIT_TIMEOUT "exit_code:=$exit_config"
	return 1
}

# Read the boot's variables with their defaults; every bad one gets its line, then 78.
read_flags() {
	export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
	run_migrations=${RUN_MIGRATIONS:-1}
	migrations_strict=${MIGRATIONS_STRICT:-1}
	run_collectstatic=${RUN_COLLECTSTATIC:-1}
	wait_timeout=${POSTGRES_WAIT_TIMEOUT:-60}
	pg_host=${POSTGRES_HOST:-db}
	pg_port=${POSTGRES_PORT:-5432}
	pg_user=${POSTGRES_USER:-keelson}
	pg_db=${POSTGRES_DB:-keelson}
	local valid=1
	check_flag RUN_MIGRATIONS "$run_migrations" || valid=0
	check_flag MIGRATIONS_STRICT "$migrations_strict" || valid=0
	check_flag RUN_COLLECTSTATIC "$run_collectstatic" || valid=0
	check_timeout "$wait_timeout" || valid=0
	((valid)) || exit "$exit_config"
}

# One line: the boot's effective values and every contract variable set, secrets masked.
log_configuration() {
	local command=$1 name value quoted config=''
	local -A effective=(
		[DJANGO_SETTINGS_MODULE]=$DJANGO_SETTINGS_MODULE
		[RUN_MIGRATIONS]=$run_migrations
		[MIGRATIONS_STRICT]=$migrations_strict
		[RUN_COLLECTSTATIC]=$run_collectstatic
		[POSTGRES_WAIT_TIMEOUT]=$wait_timeout
		[POSTGRES_HOST]=$pg_host
		[POSTGRES_PORT]=$pg_port
		[POSTGRES_USER]=$pg_user
		[POSTGRES_DB]=$pg_db
	)
	while read -r name; do
		[[ $name =~ $contract_names && -z ${effective[$name]+set} ]] || continue
		effective[$name]=${!name}
	done < <(compgen -e)
	while read -r name; do
		value=${effective[$name]}
		[[ ! $name =~ $secret_names ]] || value='********'
		json_quote quoted "$value"
		config+="${config:+,}\"$name\":$quoted"
	done < <(printf '%s\n' "${!effective[@]}" | LC_ALL=C sort)
	log INFO "boot $command: effective configuration (secrets masked)" step=config \
		"command=$command" "config:={$config}"
}

warn_if_emergency_mode() {
	[[ $migrations_strict == 0 ]] || return 0
	warn_boxed \
		"WARNING: EMERGENCY MODE (MIGRATIONS_STRICT=0)" \
		"A failed migrate or collectstatic does NOT stop this boot: the service may" \
		"serve on a database schema that does not match its code, and fail requests." \
		"Use it only to bring a broken deployment back; set MIGRATIONS_STRICT=1 again."
}

# ---------------------------------------------------------------- PostgreSQL
# One attempt, silent: 0 accepting, 1 rejecting (starting up), 2 no answer, 3 bad input.
# (Its own function: a redirection on `run_child` would swallow the signal trap's line.)
pg_ready() {
	pg_isready --quiet --timeout=1 --host="$pg_host" --port="$pg_port" \
		--username="$pg_user" --dbname="$pg_db" >/dev/null 2>&1
}

# Poll pg_isready until it answers, the deadline passes (69), or the steps process
# started alongside has already failed (its own status: 78 for bad settings).
wait_for_postgres() {
	local deadline attempts=0 status where="$pg_host:$pg_port"
	deadline=$((${EPOCHREALTIME//[!0-9]/} / 1000 + wait_timeout * 1000))
	log INFO "waiting for PostgreSQL at $where (up to $wait_timeout s)" step=postgres
	while true; do
		attempts=$((attempts + 1))
		status=0
		run_child pg_ready || status=$?
		if ((status == 0)); then
			log INFO "PostgreSQL at $where accepts connections" step=postgres "attempts:=$attempts"
			return 0
		fi
		if ((status == 3)); then
			log ERROR "pg_isready cannot try $where: POSTGRES_HOST or POSTGRES_PORT is not a valid host and port. Hint: e.g. POSTGRES_HOST=db POSTGRES_PORT=5432" \
				step=postgres "exit_code:=$exit_config"
			die "$exit_config"
		fi
		steps_failed_early
		if ((${EPOCHREALTIME//[!0-9]/} / 1000 >= deadline)); then
			log ERROR "PostgreSQL at $where did not accept connections within $wait_timeout s (POSTGRES_WAIT_TIMEOUT). Hint: check POSTGRES_HOST and POSTGRES_PORT and that the database is up" \
				step=postgres "attempts:=$attempts" "exit_code:=$exit_unavailable"
			die "$exit_unavailable"
		fi
		run_child sleep "$poll_interval"
	done
}

# ---------------------------------------------------------------- Django steps
# Start the one Django process of the boot now: it loads the settings (78 when they are
# invalid) and runs the checks while PostgreSQL is awaited, then waits for "go".
start_steps() {
	local -a args=(--since "$boot_started_us" --wait-for-go "$@")
	exec {steps_go_fd}> >(
		trap '' INT
		exec "${steps_command[@]}" "${args[@]}"
	)
	steps_pid=$!
}

# The steps process ended before it was told to go: it found the settings invalid.
steps_failed_early() {
	[[ -n $steps_pid ]] && ! kill -0 "$steps_pid" 2>/dev/null || return 0
	local status=0
	wait "$steps_pid" || status=$?
	steps_pid=''
	((status == 0)) || exit "$status"
}

# Tell the steps process PostgreSQL is up; return its exit status.
finish_steps() {
	local status=0
	# A process that died just now must not take the boot down with SIGPIPE.
	trap '' PIPE
	{ printf 'go\n' >&"$steps_go_fd"; } 2>/dev/null || true
	trap - PIPE
	exec {steps_go_fd}>&-
	wait "$steps_pid" || status=$?
	steps_pid=''
	return "$status"
}

steps_for_serving() {
	local -a args=()
	((run_migrations)) && args+=(--migrate)
	((run_collectstatic)) && args+=(--collectstatic)
	((${#args[@]} == 0)) && return 0
	((migrations_strict)) || args+=(--keep-going)
	printf '%s\n' "${args[@]}"
}

# What a failed step means for serving: stop with its code, or serve in emergency mode.
judge_steps() {
	local status=$1 step
	case $status in
	0) return 0 ;;
	70) step=migrate ;;
	73) step=collectstatic ;;
	69 | 78) exit "$status" ;;
	*)
		log ERROR "the boot steps process exited $status unexpectedly; gunicorn not started" \
			step=steps "exit_code:=$exit_migrate"
		exit "$exit_migrate"
		;;
	esac
	if ((migrations_strict)); then
		log ERROR "$step failed: boot stopped, gunicorn not started. Hint: fix it and redeploy (MIGRATIONS_STRICT=0 serves anyway, emergency mode only)" \
			"step=$step" "exit_code:=$status"
		exit "$status"
	fi
	warn_boxed \
		"WARNING: EMERGENCY MODE: $step FAILED (exit $status) AND THE SERVICE STARTS ANYWAY" \
		"MIGRATIONS_STRICT=0 let the boot continue; requests may fail. Fix $step," \
		"then redeploy with MIGRATIONS_STRICT=1."
}

# ---------------------------------------------------------------- commands
boot_serve() {
	trap_signals
	read_flags
	log_configuration serve
	warn_if_emergency_mode
	local -a steps
	mapfile -t steps < <(steps_for_serving)
	((${#steps[@]} == 0)) || start_steps "${steps[@]}"
	wait_for_postgres
	if [[ -n $steps_pid ]]; then
		local status=0
		finish_steps || status=$?
		judge_steps "$status"
	fi
	log INFO "starting gunicorn" step=serve
	trap - TERM INT
	exec "${gunicorn_command[@]}"
}

boot_migrate() {
	trap_signals
	read_flags
	log_configuration migrate
	start_steps --deploy-checks --migrate
	wait_for_postgres
	local status=0
	finish_steps || status=$?
	if ((status == 0)); then
		log INFO "migrations done" step=migrate "exit_code:=0"
	fi
	exit "$status"
}

boot_check() {
	trap_signals
	read_flags
	log_configuration check
	local status=0
	run_child "${steps_command[@]}" --since "$boot_started_us" --deploy-checks || status=$?
	if ((status != 0)); then
		exit "$exit_config"
	fi
	log INFO "configuration valid" step=check "exit_code:=0"
}

boot_manage() {
	(($# > 0)) || usage_error "boot manage needs a management command, e.g. boot manage showmigrations"
	export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
	exec python manage.py "$@"
}

# GET /health/ on the first address of GUNICORN_BIND, with a 2 s timeout.
boot_healthcheck() {
	local reason
	if reason=$(python -I -S -c "$healthcheck_python" "${GUNICORN_BIND:-0.0.0.0:8000}"); then
		return 0
	fi
	log ERROR "healthcheck failed: $reason" step=healthcheck "exit_code:=1"
	exit 1
}

# Prints why the check failed and exits 1, or exits 0 silently.
healthcheck_python='
import http.client, socket, sys

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=2)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(2)
        self.sock.connect(self.socket_path)

entry = sys.argv[1].split(",")[0].strip()
try:
    if entry.startswith("unix:"):
        connection = UnixConnection(entry[len("unix:"):])
    else:
        host, _, port = entry.rpartition(":")
        host = host.strip("[]")
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        connection = http.client.HTTPConnection(host, int(port), timeout=2)
    connection.request("GET", "/health/")
    status = connection.getresponse().status
except (OSError, ValueError, http.client.HTTPException) as error:
    sys.exit(print(f"GET /health/ on {entry}: {error or type(error).__name__}") or 1)
if status != 200:
    sys.exit(print(f"GET /health/ on {entry} answered {status}") or 1)
'

usage_error() {
	log ERROR "$1. Hint: boot [serve] | boot migrate | boot check | boot healthcheck | boot manage ARGS..." \
		step=usage "exit_code:=$exit_usage"
	exit "$exit_usage"
}

main() {
	local command=${1:-serve}
	(($# == 0)) || shift
	case $command in
	serve | migrate | check | healthcheck)
		(($# == 0)) || usage_error "boot $command takes no arguments, got '$(shown "$*")'"
		"boot_$command"
		;;
	manage) boot_manage "$@" ;;
	*) usage_error "unknown command '$(shown "$command")'" ;;
	esac
}

_is_sourced() {
	# When sourced, the caller's frame is `source`: tests call one function alone.
	[[ ${#FUNCNAME[@]} -ge 2 && ${FUNCNAME[0]} == _is_sourced && ${FUNCNAME[1]} == source ]]
}

if ! _is_sourced; then
	main "$@"
fi
