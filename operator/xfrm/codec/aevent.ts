// struct xfrm_aevent_id (48 bytes, NEWAE/GETAE) and struct xfrm_user_mapping (64 bytes, MAPPING).
import { formatAddress, writeAddress } from './address.js';
import type { StructCodec } from './struct.js';
import { usersaIdCodec, type UsersaId } from './usersa-info.js';

export interface AeventId {
	saId: UsersaId;
	saddr: string;
	flags: number;
	reqid: number;
}

export const aeventIdCodec: StructCodec<AeventId> = {
	name: 'xfrm_aevent_id',
	size: 48,
	decode(b, off) {
		const saId = usersaIdCodec.decode(b, off);
		return { saId, saddr: formatAddress(b, off + 24, saId.family), flags: b.readUInt32LE(off + 40), reqid: b.readUInt32LE(off + 44) };
	},
	encode(v, b, off) {
		b.fill(0, off, off + 48);
		usersaIdCodec.encode(v.saId, b, off);
		writeAddress(b, off + 24, v.saddr);
		b.writeUInt32LE(v.flags, off + 40);
		b.writeUInt32LE(v.reqid, off + 44);
	},
};

export interface UserMapping {
	id: UsersaId;
	reqid: number;
	oldSaddr: string;
	newSaddr: string;
	oldSport: number;
	newSport: number;
}

export const userMappingCodec: StructCodec<UserMapping> = {
	name: 'xfrm_user_mapping',
	size: 64,
	decode(b, off) {
		const id = usersaIdCodec.decode(b, off);
		return {
			id,
			reqid: b.readUInt32LE(off + 24),
			oldSaddr: formatAddress(b, off + 28, id.family),
			newSaddr: formatAddress(b, off + 44, id.family),
			oldSport: b.readUInt16BE(off + 60),
			newSport: b.readUInt16BE(off + 62),
		};
	},
	encode(v, b, off) {
		b.fill(0, off, off + 64);
		usersaIdCodec.encode(v.id, b, off);
		b.writeUInt32LE(v.reqid, off + 24);
		writeAddress(b, off + 28, v.oldSaddr);
		writeAddress(b, off + 44, v.newSaddr);
		b.writeUInt16BE(v.oldSport, off + 60);
		b.writeUInt16BE(v.newSport, off + 62);
	},
};
