"""The addresses classmates can open, best first, read from what real machines print.

Each system's reader gets text captured from a machine (in tests/network/,
described in its README), so Windows and macOS are tested here too; the
choosing is one pure function, the same everywhere.  The last tests read
this machine's own interfaces for real.
"""

import json
import os

import pytest

import wszero
from conftest import ROOT
from wszero import Interface

NETWORK = os.path.join(ROOT, "tests", "network")


def captured(name):
    """A captured output, decoded as wszero decodes a command's output."""
    with open(os.path.join(NETWORK, name), "rb") as f:
        return f.read().decode("utf-8", "replace")


def linux(machine):
    states = {name: (int(flags, 16), state, main)
              for name, (flags, state, main) in json.loads(captured(machine + ".json")).items()}
    return wszero.linux_interfaces(captured(machine + ".route"), captured(machine + ".fib_trie"), states)


def macos(machine, route=None):
    return wszero.macos_interfaces(captured(machine + ".ifconfig"), captured(route or machine + ".route"))


def windows(machine):
    return wszero.windows_interfaces(captured(machine + ".ipconfig"), captured(machine + ".route"))


# -- choosing: one pure function for every system -------------------------------------------


def test_the_interface_with_the_default_route_comes_first():
    interfaces = [Interface("eth0", ["10.0.0.5"]), Interface("wlan0", ["192.168.1.23"], default=True)]
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23", "10.0.0.5"]


def test_an_interfaces_second_addresses_follow_its_first():
    interfaces = [Interface("eth0", ["10.0.0.5"]), Interface("wlan0", ["192.168.1.23", "192.168.1.99"], default=True)]
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23", "192.168.1.99", "10.0.0.5"]


def test_interfaces_that_are_down_and_loopback_are_left_out():
    interfaces = [Interface("lo", ["127.0.0.1"], loopback=True), Interface("tun0", ["10.8.0.6"], up=False),
                  Interface("eth0", ["192.168.1.23"])]
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23"]


def test_addresses_nobody_else_can_reach_are_left_out():
    interfaces = [Interface("eth0", ["169.254.10.20", "0.0.0.0", "127.0.1.1", "192.168.1.23"])]
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23"]


@pytest.mark.parametrize("virtual", ["docker0", "br-3f2a1c9d7e01", "virbr0", "vboxnet0", "tun0", "wg0", "utun4",
                                     "tailscale0", "Ethernet adapter vEthernet (WSL)",
                                     "Ethernet adapter VMware Network Adapter VMnet8",
                                     "Ethernet-Adapter VirtualBox Host-Only Network"])
def test_vpns_containers_and_virtual_machines_come_after_network_cards(virtual):
    interfaces = [Interface(virtual, ["172.17.0.1"]), Interface("Wireless LAN adapter Wi-Fi", ["192.168.1.23"])]
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23", "172.17.0.1"]


def test_otherwise_the_systems_order_is_kept_not_the_order_of_the_numbers():
    interfaces = [Interface("wlan0", ["192.168.1.23"]), Interface("eth1", ["10.0.0.5"]),
                  Interface("eth2", ["172.16.0.9"])]
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23", "10.0.0.5", "172.16.0.9"]


def test_an_address_shown_once_even_if_two_interfaces_have_it():
    interfaces = [Interface("eth0", ["192.168.1.23"], default=True), Interface("eth0:1", ["192.168.1.23"])]
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23"]


def test_no_interfaces_no_addresses():
    assert wszero.choose_addresses([]) == []


# -- Linux: /proc/net/route, /proc/net/fib_trie and /sys/class/net ----------------------------


def test_linux_laptop_shows_wifi_then_its_second_address_then_the_shared_cable_then_docker():
    assert wszero.choose_addresses(linux("linux_laptop")) == ["192.168.1.23", "192.168.1.99", "10.42.0.1",
                                                              "172.18.0.1"]


def test_linux_reads_each_interface_its_state_and_the_default_route():
    found = {i.name: i for i in linux("linux_laptop")}
    assert found["wlp2s0"] == Interface("wlp2s0", ["192.168.1.23", "192.168.1.99"], up=True, default=True)
    assert found["lo"] == Interface("lo", ["127.0.0.1"], up=True, loopback=True)


def test_linux_vpn_that_is_down_is_left_out_though_it_still_holds_its_address():
    found = {i.name: i for i in linux("linux_laptop")}
    assert found["tun0"] == Interface("tun0", ["10.8.0.6"], up=False)
    assert "10.8.0.6" not in wszero.choose_addresses(linux("linux_laptop"))


def test_linux_docker_bridge_with_no_containers_is_down_and_left_out():
    found = {i.name: i for i in linux("linux_laptop")}
    assert found["docker0"] == Interface("docker0", ["172.17.0.1"], up=False)


def test_linux_with_the_cable_out_and_no_wifi_has_no_address():
    assert wszero.choose_addresses(linux("linux_unplugged")) == []


def test_linux_second_address_on_another_network_belongs_to_the_interface_whose_network_it_is_on():
    route = ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
             "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
             "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
             "eth0\t0000000A\t00000000\t0001\t0\t0\t100\t000000FF\t0\t0\t0\n"
             "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n")
    fib_trie = ("Local:\n"
                "  +-- 0.0.0.0/0 3 0 5\n"
                "     |-- 10.1.2.3\n        /32 host LOCAL\n"
                "     |-- 172.17.0.1\n        /32 host LOCAL\n"
                "     |-- 192.168.1.23\n        /32 host LOCAL\n")
    states = {"docker0": (0x1003, "up", "172.17.0.1"), "eth0": (0x1003, "up", "192.168.1.23")}
    assert wszero.linux_interfaces(route, fib_trie, states) == [
        Interface("docker0", ["172.17.0.1"]), Interface("eth0", ["192.168.1.23", "10.1.2.3"], default=True)]


# -- macOS: ifconfig and route -n get default -------------------------------------------------


def test_mac_shows_wifi_and_its_alias_first_then_the_virtual_machines_then_the_vpn():
    assert wszero.choose_addresses(macos("macos_laptop")) == ["192.168.1.23", "192.168.1.99", "192.168.64.1",
                                                              "10.8.0.6"]


def test_mac_reads_up_down_loopback_and_the_default_interface():
    found = {i.name: i for i in macos("macos_laptop")}
    assert found["en0"] == Interface("en0", ["192.168.1.23", "192.168.1.99"], up=True, default=True)
    assert found["lo0"] == Interface("lo0", ["127.0.0.1"], up=True, loopback=True)
    assert found["gif0"] == Interface("gif0", [], up=False)


def test_mac_adapter_whose_cable_is_out_is_left_out_though_it_still_holds_an_address():
    found = {i.name: i for i in macos("macos_laptop")}
    assert found["en7"] == Interface("en7", ["10.0.0.99"], up=False)


def test_mac_with_no_default_route_still_shows_every_address():
    interfaces = macos("macos_laptop", route="macos_offline.route")
    assert not any(i.default for i in interfaces)
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23", "192.168.1.99", "192.168.64.1", "10.8.0.6"]


# -- Windows: ipconfig and route print -4 -----------------------------------------------------


def test_windows_shows_wifi_and_its_second_address_before_wsl_and_hyper_v():
    assert wszero.choose_addresses(windows("windows_laptop")) == ["192.168.1.23", "192.168.1.99", "172.22.96.1",
                                                                  "172.30.48.1"]


def test_windows_reads_the_adapters_with_addresses_and_the_default_one():
    assert windows("windows_laptop") == [
        Interface("Ethernet adapter vEthernet (WSL (Hyper-V firewall))", ["172.22.96.1"]),
        Interface("Ethernet adapter vEthernet (Default Switch)", ["172.30.48.1"]),
        Interface("Wireless LAN adapter Wi-Fi", ["192.168.1.23", "192.168.1.99"], default=True),
        Interface("127.0.0.1", ["127.0.0.1"], loopback=True)]


def test_windows_in_german_reads_the_same_way():
    assert wszero.choose_addresses(windows("windows_german")) == ["192.168.178.20", "192.168.56.1"]


def test_windows_without_ipconfig_still_shows_the_route_tables_addresses():
    interfaces = wszero.windows_interfaces("", captured("windows_laptop.route"))
    assert wszero.choose_addresses(interfaces) == ["192.168.1.23", "172.22.96.1", "172.30.48.1"]


def test_windows_gateways_and_masks_in_ipconfig_are_not_taken_for_addresses():
    addresses = {a for i in windows("windows_laptop") for a in i.addresses}
    assert not addresses & {"192.168.1.1", "255.255.255.0", "255.255.240.0", "192.168.1.255"}


# -- this machine, for real -------------------------------------------------------------------


def test_this_machines_addresses_come_from_its_interfaces_not_its_host_name():
    interfaces = wszero.linux_interfaces(*wszero._linux_sources())
    assert interfaces and any(i.loopback for i in interfaces)
    assert wszero.network_addresses() == wszero.choose_addresses(interfaces)


def test_start_up_screen_with_no_address_says_so_and_what_to_check():
    assert wszero.say.running("app.py", "http://localhost:8000", [], windows=False) == "\n".join([
        "wszero is running app.py.", "",
        "  Open this on this computer:  http://localhost:8000", "",
        "  Classmates can't join yet, because this computer has no network address.",
        "  Check that Wi-Fi is on or a network cable is plugged in, then start wszero again.", "",
        "Press Ctrl+C to stop."])
