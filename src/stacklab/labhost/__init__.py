"""Lab hosts the kit can start: a Vagrant VM, or a container where no hypervisor works."""
