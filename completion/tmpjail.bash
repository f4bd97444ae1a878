# bash completion for tmpjail(1)                        -*- shell-script -*-
# SPDX-License-Identifier: MIT
#
# Completes tmpjail's options, the --seccomp presets (also after a comma)
# and policy files, directories for --base, files for --audit, and then
# the command: its name from PATH, its arguments as bash-completion would
# complete them for that command. Works with or without the bash-completion
# package (without it, the command's arguments complete as file names).

_tmpjail()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]}
	local options='-k --keep --base --memory --redirect --seccomp --seccomp-log --seal
		--audit --gc -v --verbose -h --help --version'
	local presets=$'harden\nno-network' # newline-separated: IFS is a newline below
	COMPREPLY=()

	# Where does the command start? After "--", or at the first word that is
	# neither an option nor the argument of one.
	local i word command_at=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		--) command_at=$((i + 1)); break ;;
		--base | --redirect | --seccomp | --audit)
			# "--base=DIR" reaches us as "--base" "=" "DIR".
			[[ ${COMP_WORDS[i + 1]} == = ]] && ((i++))
			((i++))
			;;
		-*) ;;
		*) command_at=$i; break ;;
		esac
	done

	if ((command_at > 0)); then
		_tmpjail_command "$command_at"
		return
	fi

	# "--seccomp=har": bash splits at '=', the option is two words back.
	if [[ $cur == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=''
	elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	case $prev in
	--seccomp)
		# A comma-separated list: complete the last element only.
		local done_part='' last=$cur
		if [[ $cur == *,* ]]; then
			done_part=${cur%,*},
			last=${cur##*,}
		fi
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$presets" -P "$done_part" -- "$last")
			$(compgen -f -P "$done_part" -- "$last"))
		compopt -o filenames 2>/dev/null
		return
		;;
	--base | --redirect)
		local IFS=$'\n'
		COMPREPLY=($(compgen -d -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
		;;
	--audit)
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
	else
		# The command itself.
		COMPREPLY=($(compgen -c -- "$cur"))
	fi
}

# _tmpjail_command INDEX: complete the command that starts at word INDEX.
_tmpjail_command()
{
	local at=$1
	if declare -F _command_offset >/dev/null; then
		# bash-completion: complete as if the command were typed alone.
		_command_offset "$at"
		return
	fi
	local cur=${COMP_WORDS[COMP_CWORD]}
	local IFS=$'\n'
	if ((COMP_CWORD == at)); then
		COMPREPLY=($(compgen -c -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
	fi
}

complete -F _tmpjail tmpjail
