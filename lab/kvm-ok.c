/*
 * kvm-ok: exit 0 when this machine can run a KVM guest at hardware
 * speed, else print why and exit 1. lab/run uses it to choose between
 * -accel kvm and -accel tcg.
 *
 * /dev/kvm existing is not enough: nested virtualisation may be
 * refused, the device may be a stub, or the hypervisor may interpret
 * the guest's code instead of running it (a nested hypervisor such as
 * PVM does that for a kernel not built as its guest: Debian's kernel
 * then boots a hundred times slower than under TCG, and stops where its
 * emulator lacks an instruction). So this does what qemu -accel kvm
 * does first, check the API version, create a VM and a vCPU, and then
 * runs a loop of two million instructions in the vCPU (real mode, at
 * 0x1000) and times it: a few milliseconds on hardware, seconds when
 * interpreted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

/* Hardware runs the loop in about 1 ms; 100 ms means interpreted. */
#define SLOW_MS 100
/* Give up on the loop after this long. */
#define LIMIT_S 3

static int refuse(const char *what)
{
	printf("kvm: %s: %s\n", what, strerror(errno));
	return 1;
}

static void on_alarm(int sig)
{
	(void)sig; /* KVM_RUN returns EINTR */
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	/* mov ecx, 1000000; 1: dec ecx; jnz 1b; hlt */
	static const unsigned char code[] = {
		0x66, 0xb9, 0x40, 0x42, 0x0f, 0x00,
		0x66, 0x49,
		0x75, 0xfc,
		0xf4,
	};
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	struct sigaction sa;
	int kvm, vm, vcpu, version, size;
	unsigned char *mem;
	double t0, ms;

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
	mem = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return refuse("mmap");
	memcpy(mem + 0x1000, code, sizeof(code));
	memset(&region, 0, sizeof(region));
	region.guest_phys_addr = 0;
	region.memory_size = 0x2000;
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return refuse("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return refuse("KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return refuse("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return refuse("mmap vcpu");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return refuse("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return refuse("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return refuse("KVM_SET_REGS");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(LIMIT_S);
	t0 = now_ms();
	if (ioctl(vcpu, KVM_RUN, 0) < 0) {
		if (errno == EINTR) {
			printf("kvm: a VM runs, but 2M instructions took over %d s: "
			       "the hypervisor interprets guest code (nested, %s), slower than TCG\n",
			       LIMIT_S, access("/sys/module/kvm_pvm", F_OK) == 0 ? "kvm_pvm" : "emulated");
			return 1;
		}
		return refuse("KVM_RUN");
	}
	ms = now_ms() - t0;
	alarm(0);
	if (run->exit_reason != KVM_EXIT_HLT) {
		printf("kvm: the test guest stopped with exit reason %u, not hlt\n", run->exit_reason);
		return 1;
	}
	if (ms > SLOW_MS) {
		printf("kvm: a VM runs, but 2M instructions took %.0f ms (hardware: about 1): "
		       "the hypervisor interprets guest code (nested, %s), slower than TCG\n",
		       ms, access("/sys/module/kvm_pvm", F_OK) == 0 ? "kvm_pvm" : "emulated");
		return 1;
	}
	printf("kvm: a VM runs at hardware speed (2M instructions in %.1f ms)\n", ms);
	return 0;
}
