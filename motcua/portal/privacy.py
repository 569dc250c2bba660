"""The privacy notice (thông báo xử lý dữ liệu cá nhân) a citizen reads and accepts before an account is made: the
Law on Personal Data Protection 91/2025/QH15 and Decree 356/2025/NĐ-CP (from 01/01/2026; rules §10) ask for the
data subject to be told, once and before processing, what is processed, why, by whom, for how long and what rights
they have, and for consent that is explicit and can be shown later. The notice's text is the template
portal/privacy_notice.html; NOTICE_VERSION names it, and each account records the version it accepted and when
(CitizenProfile.privacy_notice / privacy_accepted_at, in "Tải dữ liệu của tôi"). A new text takes a new version."""

NOTICE_VERSION = "2026-01"
