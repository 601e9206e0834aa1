#!/bin/sh
# sshd's ForceCommand for the kit's test hosts: answer a command from a recording.
# The recording is a folder of small scripts named md5(command)-md5(stdin or "none").sh;
# a file md5(command).stdin marks commands whose standard input is part of the key.
# Plain sh, md5sum and the script: a command costs the host about what a real one does.
h=$(printf '%s' "$SSH_ORIGINAL_COMMAND" | md5sum)
h=${h%% *}
if [ -e "$REPLAY_DIR/$h.stdin" ]; then s=$(md5sum); s=${s%% *}; else s=none; fi
f="$REPLAY_DIR/$h-$s.sh"
if [ ! -e "$f" ]; then
    echo "replay: no recording for: $SSH_ORIGINAL_COMMAND" >&2
    exit 127
fi
. "$f"
