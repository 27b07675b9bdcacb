// Words on Outfall's pages in Vietnamese and English. The choice is kept in localStorage; the
// first visit follows the browser's language. Parameter names come from /api/parameters.
const OUTFALL_TEXT = {
  vi: {
    configs_read_only: 'Chỉ xem: lưu, triển khai và gắn nhãn cấu hình cần vai trò kỹ sư hoặc quản trị.',
    your_tokens: 'Phiên đăng nhập và token của bạn', tokens_of: 'Phiên và token của', tokens: 'Token',
    revoke: 'Kết thúc', expires: 'Hết hạn', token_api: 'Token API', token_session: 'Phiên đăng nhập', token_scrape: 'Token đọc số liệu',
    users: 'Người dùng', since_col: 'Từ lúc', role: 'Vai trò', sites: 'Cụm', state_enabled: 'Đang dùng', state_disabled: 'Đã khóa',
    disable: 'Khóa', enable: 'Mở khóa', reset_password: 'Đặt lại mật khẩu', issue_token: 'Cấp token API', api_token: 'Token API',
    new_password: 'Mật khẩu mới', current_password: 'Mật khẩu hiện tại', change_password: 'Đổi mật khẩu của bạn',
    password_changed: 'Đã đổi mật khẩu; các phiên đăng nhập khác đã kết thúc', create_user: 'Tạo hoặc sửa người dùng',
    shown_once: '(chỉ hiện một lần: hãy lưu lại ngay)', role_operator: 'Vận hành', role_inspector: 'Thanh tra',
    role_engineer: 'Kỹ sư', role_admin: 'Quản trị',
    users_help: 'Người vận hành chỉ thấy các cụm của mình (ít nhất một cụm). Lưu một tên đã có sẽ thay mật khẩu, vai trò và cụm, và mở khóa người đó.',
    operator: 'Vận hành', overview: 'Tổng quan', report: 'Báo cáo', site: 'Cụm', station: 'Trạm',
    live: 'Trực tiếp', reconnecting: 'Đang kết nối lại…', current: 'Giá trị hiện tại', charts: '24 giờ qua (trung bình 1 phút)',
    limit: 'Giới hạn', calibrating: 'Hiệu chuẩn', fault: 'Lỗi thiết bị', measuring: 'Đang đo', no_value: 'chưa có',
    alerts: 'Cảnh báo đang mở', no_alerts: 'Không có cảnh báo nào đang mở', acknowledge: 'Xác nhận', acknowledged: 'Đã xác nhận',
    your_name: 'Tên của bạn', sign_in: 'Đăng nhập', sign_out: 'Đăng xuất', username: 'Tên đăng nhập', password: 'Mật khẩu', signed_in_as: 'Đang đăng nhập:', since: 'từ', completeness: 'Độ đầy đủ dữ liệu hôm nay', kpis: 'Chỉ số sản xuất sạch hơn (30 ngày)',
    volume: 'Lượng nước xử lý', energy: 'Điện năng', chemical: 'Hóa chất', energy_int: 'Điện năng / m³', chemical_int: 'Hóa chất / m³',
    baseline: 'kỳ gốc', change: 'thay đổi', target: 'mục tiêu tháng: giảm', no_target: 'chưa đặt mục tiêu', target_month: 'Mục tiêu SXSH (tháng)', st_met: 'đạt', st_missed: 'không đạt', st_on_track: 'đúng hướng', st_behind: 'chưa đạt', st_no_data: 'thiếu số liệu', plants_compliant: 'Nhà máy đạt chuẩn',
    clusters_compliant: 'Cụm có nhà máy đạt chuẩn', target_100: 'mục tiêu của Hà Nội: 100 %', worst: 'Vi phạm nhiều nhất (30 ngày)',
    state: 'Trạng thái', breach_h: 'Giờ vượt chuẩn', h24: '24 giờ', d30: '30 ngày', last_reading: 'Số liệu mới nhất',
    history: 'Lịch sử vượt chuẩn', compliant: 'Đạt chuẩn', breach: 'Vượt chuẩn', no_data: 'Mất dữ liệu', data_issue: 'Lỗi dữ liệu', no_permit: 'Chưa có giấy phép', not_built: 'Chưa xây dựng', not_required: 'Không yêu cầu', stations_compliant: 'Trạm quan trắc đạt chuẩn', cluster: 'Cụm', plant: 'Nhà máy',
    clusters: 'Cụm và nhà máy', month: 'Tháng', download_csv: 'Tải CSV', download_pdf_vi: 'PDF tiếng Việt', download_pdf_en: 'PDF tiếng Anh', print: 'In', hours_monitored: 'Số giờ quan trắc',
    valid_share: 'Tỷ lệ dữ liệu hợp lệ', breaches: 'Vượt chuẩn theo thông số và mức', alerts_response: 'Cảnh báo và thời gian phản hồi',
    parameter: 'Thông số', band: 'Mức', count: 'Số lần', hours: 'Số giờ', max_factor: 'Hệ số lớn nhất', kind: 'Loại',
    median_ack: 'Trung vị xác nhận (phút)', max_ack: 'Lâu nhất (phút)', readings: 'Số liệu', valid: 'Hợp lệ', mean: 'TB', min: 'Nhỏ nhất', max: 'Lớn nhất',
    completeness_col: 'Độ đầy đủ dữ liệu',
    kind_breach: 'Vượt chuẩn', kind_exceedance: 'Vượt giới hạn', kind_approach: 'Gần giới hạn', kind_stale: 'Mất tín hiệu',
    kind_flat_line: 'Giá trị không đổi', kind_impossible_value: 'Giá trị bất thường', kind_prolonged_fault: 'Lỗi thiết bị kéo dài',
    kind_low_completeness: 'Thiếu dữ liệu', kind_transmission_behind: 'Chậm truyền về Sở', kind_readings_dropped: 'Mất dữ liệu tại trạm', period_col: 'Thời gian', factor: 'Hệ số vượt',
    none: 'Không có', open_station: 'Xem trạm', breach_hours_total: 'Tổng giờ vượt chuẩn', period: 'Kỳ',
    configurations: 'Cấu hình gateway', configuration: 'Cấu hình', name: 'Tên', version: 'Phiên bản', author: 'Người tạo', time: 'Thời điểm',
    versions_of: 'Các phiên bản của', message: 'Ghi chú', diff: 'thay đổi so với phiên bản trước', new_version: 'Phiên bản mới',
    validate: 'Kiểm tra', save: 'Lưu', deploy: 'Triển khai', dep_target: 'Đích', canary: 'Nhóm thử trước', auto_promote: 'Tự mở rộng khi nhóm thử đạt',
    ack_timeout: 'Chờ phản hồi', rollback_to: 'Quay về phiên bản này', rollouts: 'Các lần triển khai', action: 'Thao tác', gateways: 'Gateway',
    by: 'Người thực hiện', rollout: 'Lần triển khai', promote: 'Mở rộng cho tất cả', gateway: 'Gateway', previous: 'Phiên bản trước', reason: 'Lý do',
    tags: 'Nhãn gateway', tag: 'Nhãn', audit: 'Nhật ký thao tác', detail: 'Chi tiết', valid_config: 'Hợp lệ, phiên bản', saved: 'Đã lưu',
    name_required: 'Cần nhập tên cấu hình',
    deploy_help: 'Đích: cum/gateway, site:<cụm>, tag:<nhãn> hoặc all. Nhóm thử nhận trước; nếu một gateway trong nhóm thử không áp dụng được, việc triển khai dừng, các gateway còn lại không nhận và gateway đã áp dụng được trả về phiên bản trước.',
    tag_help: 'mỗi dòng một cum/gateway; để trống để xóa nhãn',
    act_deploy: 'Triển khai', act_rollback: 'Quay về', act_store: 'Lưu phiên bản', act_promote: 'Mở rộng', act_canary_passed: 'Nhóm thử đạt',
    act_completed: 'Hoàn tất', act_failed: 'Thất bại', act_halted: 'Dừng', act_tag: 'Đặt nhãn',
    st_in_progress: 'Đang chạy', st_canary_passed: 'Nhóm thử đạt', st_completed: 'Hoàn tất', st_failed: 'Thất bại', st_halted: 'Đã dừng',
    st_waiting: 'Chờ', st_pending: 'Chuẩn bị gửi', st_delivered: 'Đã gửi', st_applied: 'Đã áp dụng', st_rejected: 'Từ chối',
    st_rolled_back: 'Đã quay về', st_timed_out: 'Quá hạn', st_skipped: 'Bỏ qua', st_reverting: 'Đang quay về', st_revert_failed: 'Quay về thất bại',
    transmission: 'Truyền dữ liệu về Sở', tx_state: 'Trạng thái', tx_on: 'Đang truyền', tx_off: 'Không truyền (trạm chưa có giấy phép hoặc đã tắt)',
    tx_no_link: 'Chưa cấu hình đường truyền (donre.ftp-url)', tx_every: 'mỗi', tx_last: 'Tệp gửi gần nhất', tx_interval_end: 'kỳ đến',
    tx_sent_at: 'gửi lúc', tx_backlog: 'Chờ gửi', tx_files: 'tệp', tx_oldest: 'cũ nhất đến', tx_error: 'Lỗi gần nhất', tx_none: 'chưa gửi tệp nào',
    judging_behind: 'Việc đánh giá vượt chuẩn đang chậm {n} so với số liệu đã nhận: trạng thái và cảnh báo trên trang này có thể chưa cập nhật.',
  },
  en: {
    configs_read_only: 'Read only: storing, deploying and tagging configurations needs an engineer or admin.',
    your_tokens: 'Your sessions and tokens', tokens_of: 'Sessions and tokens of', tokens: 'Tokens',
    revoke: 'End', expires: 'Expires', token_api: 'API token', token_session: 'Session', token_scrape: 'Scrape token',
    users: 'Users', since_col: 'Since', role: 'Role', sites: 'Sites', state_enabled: 'Enabled', state_disabled: 'Disabled',
    disable: 'Disable', enable: 'Enable', reset_password: 'Reset password', issue_token: 'Issue API token', api_token: 'API token',
    new_password: 'New password', current_password: 'Current password', change_password: 'Change your password',
    password_changed: 'Password changed; your other sessions have ended', create_user: 'Create or change a user',
    shown_once: '(shown this once: keep it now)', role_operator: 'Operator', role_inspector: 'Inspector',
    role_engineer: 'Engineer', role_admin: 'Admin',
    users_help: 'An operator sees only their own sites (at least one). Saving an existing name replaces its password, role and sites, and enables it.',
    operator: 'Operator', overview: 'Overview', report: 'Report', site: 'Cluster', station: 'Station',
    live: 'Live', reconnecting: 'Reconnecting…', current: 'Current values', charts: 'Last 24 hours (1-minute means)',
    limit: 'Limit', calibrating: 'Calibrating', fault: 'Device fault', measuring: 'Measuring', no_value: 'none yet',
    alerts: 'Open alerts', no_alerts: 'No open alerts', acknowledge: 'Acknowledge', acknowledged: 'Acknowledged',
    your_name: 'Your name', sign_in: 'Sign in', sign_out: 'Sign out', username: 'User name', password: 'Password', signed_in_as: 'Signed in as', since: 'since', completeness: 'Data completeness today', kpis: 'Cleaner production (30 days)',
    volume: 'Treated volume', energy: 'Energy', chemical: 'Chemicals', energy_int: 'Energy / m³', chemical_int: 'Chemicals / m³',
    baseline: 'baseline', change: 'change', target: 'month target: less by', no_target: 'no target set', target_month: 'Target (month)', st_met: 'met', st_missed: 'missed', st_on_track: 'on track', st_behind: 'behind', st_no_data: 'no data', plants_compliant: 'Plants compliant',
    clusters_compliant: 'Clusters with compliant plants', target_100: "Hanoi's target: 100 %", worst: 'Worst offenders (30 days)',
    state: 'State', breach_h: 'Hours in breach', h24: '24 h', d30: '30 days', last_reading: 'Last reading',
    history: 'Breach history', compliant: 'Compliant', breach: 'Breach', no_data: 'No data', data_issue: 'Data issue', no_permit: 'No permit', not_built: 'Not yet built', not_required: 'Not required', stations_compliant: 'Stations compliant', cluster: 'Cluster', plant: 'Plant',
    clusters: 'Clusters and plants', month: 'Month', download_csv: 'Download CSV', download_pdf_vi: 'PDF in Vietnamese', download_pdf_en: 'PDF in English', print: 'Print', hours_monitored: 'Hours monitored',
    valid_share: 'Valid data share', breaches: 'Breaches by parameter and band', alerts_response: 'Alerts and response times',
    parameter: 'Parameter', band: 'Band', count: 'Count', hours: 'Hours', max_factor: 'Highest factor', kind: 'Kind',
    median_ack: 'Median to acknowledge (min)', max_ack: 'Longest (min)', readings: 'Readings', valid: 'Valid', mean: 'Mean', min: 'Min', max: 'Max',
    completeness_col: 'Data completeness',
    kind_breach: 'Breach', kind_exceedance: 'Exceedance', kind_approach: 'Approaching limit', kind_stale: 'No data',
    kind_flat_line: 'Flat line', kind_impossible_value: 'Impossible value', kind_prolonged_fault: 'Prolonged fault',
    kind_low_completeness: 'Low completeness', kind_transmission_behind: 'Transmission behind', kind_readings_dropped: 'Readings lost at the plant', period_col: 'Period', factor: 'Factor',
    none: 'None', open_station: 'Open station', breach_hours_total: 'Hours in breach', period: 'Period',
    configurations: 'Gateway configurations', configuration: 'Configuration', name: 'Name', version: 'Version', author: 'Author', time: 'Time',
    versions_of: 'Versions of', message: 'Message', diff: 'changes from the previous version', new_version: 'New version',
    validate: 'Validate', save: 'Save', deploy: 'Deploy', dep_target: 'Target', canary: 'Canary first', auto_promote: 'Promote when the canary passes',
    ack_timeout: 'Answer within', rollback_to: 'Roll back to this version', rollouts: 'Rollouts', action: 'Action', gateways: 'Gateways',
    by: 'By', rollout: 'Rollout', promote: 'Promote to all', gateway: 'Gateway', previous: 'Previous version', reason: 'Reason',
    tags: 'Gateway tags', tag: 'Tag', audit: 'Audit log', detail: 'Detail', valid_config: 'Valid, version', saved: 'Saved',
    name_required: 'A configuration name is required',
    deploy_help: 'Target: site/gateway, site:<site>, tag:<tag> or all. The canary gets it first; if a canary gateway cannot apply it, the rollout halts, the rest never get it and canary gateways that applied it are sent their previous version.',
    tag_help: 'one site/gateway per line; empty deletes the tag',
    act_deploy: 'Deploy', act_rollback: 'Rollback', act_store: 'Store version', act_promote: 'Promote', act_canary_passed: 'Canary passed',
    act_completed: 'Completed', act_failed: 'Failed', act_halted: 'Halted', act_tag: 'Tag',
    st_in_progress: 'In progress', st_canary_passed: 'Canary passed', st_completed: 'Completed', st_failed: 'Failed', st_halted: 'Halted',
    st_waiting: 'Waiting', st_pending: 'Pending', st_delivered: 'Delivered', st_applied: 'Applied', st_rejected: 'Rejected',
    st_rolled_back: 'Rolled back', st_timed_out: 'Timed out', st_skipped: 'Skipped', st_reverting: 'Reverting', st_revert_failed: 'Revert failed',
    transmission: 'Transmission to the department', tx_state: 'Status', tx_on: 'Transmitting', tx_off: 'Not transmitting (no permit, or switched off)',
    tx_no_link: 'No link configured (donre.ftp-url)', tx_every: 'every', tx_last: 'Last file sent', tx_interval_end: 'interval ending',
    tx_sent_at: 'sent at', tx_backlog: 'Waiting', tx_files: 'files', tx_oldest: 'oldest ending', tx_error: 'Last error', tx_none: 'no file sent yet',
    judging_behind: 'Compliance judging is {n} behind the readings received: the states and alerts on this page may not be up to date.',
  },
};

const Outfall = {
  lang: localStorage.getItem('outfall.lang') || ((navigator.language || 'en').startsWith('vi') ? 'vi' : 'en'),
  tz: 'Asia/Ho_Chi_Minh',
  parameters: {},
  t(key) { return (OUTFALL_TEXT[this.lang] || OUTFALL_TEXT.en)[key] || key; },
  /** Fills every element with data-t="key" and wires the language switch. */
  translate() {
    document.documentElement.lang = this.lang;
    document.querySelectorAll('[data-t]').forEach(el => { el.textContent = this.t(el.dataset.t); });
    const sw = document.getElementById('lang');
    if (sw) { sw.textContent = this.lang === 'vi' ? 'EN' : 'VI'; sw.onclick = () => { localStorage.setItem('outfall.lang', this.lang === 'vi' ? 'en' : 'vi'); location.reload(); }; }
  },
  async json(url, options) {
    const r = await fetch(url, options);
    const body = await r.json().catch(() => ({}));
    if (r.status === 401) this.signIn();
    if (!r.ok) throw new Error(body.error || `${r.status} ${url}`);
    return body;
  },
  /** The data needs a signed-in user (the session cookie): off to the login page, then back. */
  signIn() {
    location.href = '/login.html?next=' + encodeURIComponent(location.pathname + location.search);
  },
  /** Shows who is signed in (element #user) with a sign-out button (#logout); the actor of audits. */
  async whoami() {
    const me = await this.json('/api/me');
    const u = document.getElementById('user');
    if (u) u.textContent = `${this.t('signed_in_as')} ${me.username} (${me.role})`;
    const out = document.getElementById('logout');
    if (out) out.onclick = async () => { await fetch('/api/logout', { method: 'POST' }); this.signIn(); };
    // an operator's overview is their own sites' part; the engineers' page would only answer 403
    if (me.role === 'operator')
      document.querySelectorAll('nav a[href="/configs.html"]').forEach(a => { a.hidden = true; });
    // forms for what this role may not do are not shown (the server refuses them regardless)
    if (me.role !== 'engineer' && me.role !== 'admin') {
      document.querySelectorAll('[data-needs="engineer"]').forEach(e => { e.hidden = true; e.dataset.hiddenForRole = '1'; });
      const ro = document.getElementById('read-only');
      if (ro) ro.hidden = false;
    }
    return me;
  },
  /**
   * Asks /api/health (open, answered from memory) and shows #judging while the stored readings
   * waiting to be judged are a minute old or more (the server samples that every 5 s): until then
   * a breach in them is on no page. Answers the health body, or null when it could not be read.
   */
  async checkJudging() {
    const h = await fetch('/api/health').then(r => r.json()).catch(() => null);
    const el = document.getElementById('judging');
    const behind = h && h.backlog ? h.backlog.compliance.oldest_seconds : 0;
    if (el) {
      el.hidden = behind < 60;
      el.textContent = this.t('judging_behind').replace('{n}', this.duration(behind));
    }
    return h;
  },
  duration(s) { return s < 120 ? Math.round(s) + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : this.num(s / 3600, 1) + ' h'; },
  async loadParameters() {
    const p = await this.json('/api/parameters');
    for (const x of p.items) this.parameters[x.code] = x;
  },
  /** An alert kind in words; an unknown kind shows its code. */
  kindName(kind) { const k = 'kind_' + kind; const w = this.t(k); return w === k ? kind : w; },
  paramName(code) { const p = this.parameters[code]; return p ? (this.lang === 'vi' ? p.name_vi : p.name_en) : code; },
  unit(code) { const p = this.parameters[code]; return p ? p.unit.replace('m3', 'm³').replace('degC', '°C') : ''; },
  num(v, digits = 2) { return v == null || Number.isNaN(v) ? '–' : Number(v).toLocaleString(this.lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: digits }); },
  pct(v) { return v == null ? '–' : this.num(v * 100, 1) + ' %'; },
  time(iso) { return iso ? new Date(iso).toLocaleString(this.lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: this.tz, dateStyle: 'short', timeStyle: 'short' }) : '–'; },
  el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) { if (k === 'class') e.className = v; else if (k.startsWith('on')) e[k] = v; else e.setAttribute(k, v); }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return e;
  },
  bar(share) {
    const b = this.el('div', { class: 'bar' + (share != null && share < 0.8 ? ' low' : ''), title: this.pct(share) });
    b.append(this.el('span', { style: `width:${Math.round((share || 0) * 100)}%` }));
    return b;
  },
};
