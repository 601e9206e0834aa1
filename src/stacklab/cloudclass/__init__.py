"""`stacklab class`: a lab host per student on an existing OpenStack cloud.

The cloud is one named in the standard clouds.yaml; everything goes through openstacksdk's
Connection (no scheduler of our own). One module per step, in the order `class up` runs them:

    students   who the class is (a student file, or --count N)
    names      the key pairs' names, within Nova's rule for them
    cloud      the connection, and retries for the cloud's transient errors
    plan       image, flavor and network chosen; the quota check before anything is made
    keys       one key pair per student (private key 0600 in the class folder)
    secgroup   one security group: SSH only from the instructor's range
    userdata   cloud-init: the Vagrant VM's own provisioning script, run on first boot
    hosts      per student: port, volume, server, attachment, floating IP (in parallel)
    record     the class folder: what was made, and the inventories `stacklab grade` reads
    teardown   `class down`: deletes what `up` made (by tag and name), idempotent
    status     `class status`: each host's state on the cloud
    up         `class up` from start to end, the steps above in order

Every resource is named CLASS-… (key pairs CLASS_STUDENT: Nova refuses '.') and tagged
with the class (Neutron tags; metadata on servers and volumes), so `down` finds it even
when the record of `up` was cut short.
"""
