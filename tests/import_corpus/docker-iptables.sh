#!/bin/sh
# The filter and NAT layout Docker (20.10 to 26, bridge driver, iptables-nft) sets up on a host
# with the default bridge docker0 (172.17.0.0/16), one user-defined network (172.18.0.0/16) and
# one container publishing a port (`docker run -p 8080:80` -> 172.17.0.2:80), in the order
# `iptables-save` lists it; plus the one rule the administrator added to DOCKER-USER. Written
# for zoneproof's import tests: run inside the test namespace (`ip netns exec NS sh FILE`);
# docker-iptables.yaml gives the machine and its networks.
set -eu
IPT="iptables-nft -w"
BR=br-5e1c0f9a2b7d

# --- filter --------------------------------------------------------------------------------
$IPT -t filter -N DOCKER
$IPT -t filter -N DOCKER-ISOLATION-STAGE-1
$IPT -t filter -N DOCKER-ISOLATION-STAGE-2
$IPT -t filter -N DOCKER-USER
$IPT -t filter -P FORWARD DROP

$IPT -t filter -A FORWARD -j DOCKER-USER
$IPT -t filter -A FORWARD -j DOCKER-ISOLATION-STAGE-1
$IPT -t filter -A FORWARD -o $BR -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
$IPT -t filter -A FORWARD -o $BR -j DOCKER
$IPT -t filter -A FORWARD -i $BR ! -o $BR -j ACCEPT
$IPT -t filter -A FORWARD -i $BR -o $BR -j ACCEPT
$IPT -t filter -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
$IPT -t filter -A FORWARD -o docker0 -j DOCKER
$IPT -t filter -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
$IPT -t filter -A FORWARD -i docker0 -o docker0 -j ACCEPT

# The published port: new connections from outside the bridge to the container's port 80.
$IPT -t filter -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT

# Networks do not talk to each other.
$IPT -t filter -A DOCKER-ISOLATION-STAGE-1 -i $BR ! -o $BR -j DOCKER-ISOLATION-STAGE-2
$IPT -t filter -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
$IPT -t filter -A DOCKER-ISOLATION-STAGE-1 -j RETURN
$IPT -t filter -A DOCKER-ISOLATION-STAGE-2 -o $BR -j DROP
$IPT -t filter -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
$IPT -t filter -A DOCKER-ISOLATION-STAGE-2 -j RETURN

# The administrator's own rule (Docker's documentation: filter in DOCKER-USER): a network that
# must not reach the containers.
$IPT -t filter -A DOCKER-USER -i eth0 -s 203.0.113.0/24 -j DROP
$IPT -t filter -A DOCKER-USER -j RETURN

# --- nat -----------------------------------------------------------------------------------
$IPT -t nat -N DOCKER
$IPT -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
$IPT -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
$IPT -t nat -A POSTROUTING -s 172.18.0.0/16 ! -o $BR -j MASQUERADE
$IPT -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
$IPT -t nat -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
$IPT -t nat -A DOCKER -i $BR -j RETURN
$IPT -t nat -A DOCKER -i docker0 -j RETURN
$IPT -t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
