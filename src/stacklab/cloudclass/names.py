"""The names `class up` gives a key pair, and the rule Nova holds them to.

Nova's key pair name (nova/api/validation/parameter_types.py, keypair_name_special_chars):
pattern ``^[_\\- a-zA-Z0-9]+$``, 1 to 255 characters. Microversion 2.92 lets '.' and '@' in
too (keypair_name_special_chars_v292), but openstacksdk asks for at most 2.10 for key pairs
(openstack/compute/v2/keypair.py, _max_microversion), so a real cloud answers 400 to
'ws1.alice'. Every other name the kit gives (server, volume, port, security group, the
floating IP's description, the tag) is free text up to 255 characters in Nova, Cinder
and Neutron, which a class name (24) and a student's (40) stay far below.
"""

from __future__ import annotations

import re

KEYPAIR_NAME = re.compile(r"^[_\- a-zA-Z0-9]{1,255}$")
_REFUSED = re.compile(r"[^_\-a-zA-Z0-9]")  # a space is allowed, but names have none


def key_part(student: str) -> str:
    """The student's part of a key pair name: each character Nova refuses becomes '_'."""
    return _REFUSED.sub("_", student)


def key_name(class_name: str, student: str) -> str:
    """CLASS_STUDENT. Nova key pairs carry no tag, so `down` without the record finds them
    by name: '_' cannot be in a class name, so class ws1's 'ws1_' never starts the key
    pairs of class ws1-late."""
    return f"{class_name}_{key_part(student)}"


def same_key(student: str) -> str:
    """Students with the same value here would share a key pair: the same name once mapped,
    or one differing only in case (Nova's MySQL tables compare names without case, and so
    does a Mac's file system for the private key files)."""
    return key_part(student).casefold()
