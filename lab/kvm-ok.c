/*
 * kvm-ok: exit 0 when this machine can run a KVM guest, else print why
 * and exit 1. /dev/kvm existing is not enough (nested virtualisation
 * may be refused, or the device may be a stub), so this does what qemu
 * -accel kvm does first: check the API version, create a VM and one
 * vCPU. lab/run uses it to choose between -accel kvm and -accel tcg.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

static int refuse(const char *what)
{
	printf("kvm: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	int kvm, vm, vcpu, version;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return refuse("open /dev/kvm");
	version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		printf("kvm: API version %d, not %d\n", version, KVM_API_VERSION);
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return refuse("KVM_CREATE_VM");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return refuse("KVM_CREATE_VCPU");
	close(vcpu);
	close(vm);
	close(kvm);
	printf("kvm: a VM and a vCPU can be created\n");
	return 0;
}
