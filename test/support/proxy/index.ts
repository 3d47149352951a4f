export { type Squid, type StartSquidOptions, haveSquid, startSquid } from './squid';
export { type TlsFront, startTlsFront } from './tlsFront';
export { type Forward, machineAddress, startForward } from './forward';
