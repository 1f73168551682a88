// Realistic random leads for the "new demo lead" button: Chinese names and companies, valid mainland
// mobile numbers, and the campaigns and channels a Chinese marketing team runs. They go through Baton's
// real intake API, like a web form would.

const SURNAMES = [['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'],
  ['黄', 'huang'], ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'],
  ['朱', 'zhu'], ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['林', 'lin'], ['高', 'gao'], ['罗', 'luo']];
const GIVEN = [['伟', 'wei'], ['芳', 'fang'], ['敏', 'min'], ['静', 'jing'], ['磊', 'lei'], ['洋', 'yang'],
  ['丽华', 'lihua'], ['建国', 'jianguo'], ['志强', 'zhiqiang'], ['晓东', 'xiaodong'], ['雨欣', 'yuxin'],
  ['子涵', 'zihan'], ['浩然', 'haoran'], ['思远', 'siyuan'], ['佳怡', 'jiayi'], ['俊杰', 'junjie'], ['婷婷', 'tingting']];
const CITIES = ['上海', '杭州', '苏州', '南京', '宁波', '合肥', '无锡', '嘉兴'];
const BRANDS = [['云帆', 'yunfan'], ['星河', 'xinghe'], ['博远', 'boyuan'], ['启明', 'qiming'], ['恒信', 'hengxin'],
  ['锐达', 'ruida'], ['智联', 'zhilian'], ['数擎', 'shuqing'], ['盛华', 'shenghua'], ['青禾', 'qinghe']];
const INDUSTRIES = ['科技', '信息技术', '网络科技', '智能制造', '医疗器械', '教育科技', '供应链管理', '新能源'];
const TITLES = ['总经理', 'CTO', '采购经理', '市场总监', 'IT 负责人', '运营主管', '销售副总裁', '创始人'];
const CAMPAIGNS = ['双11大促', '618年中大促', '春季新品发布会', '抖音直播专场', '线下沙龙·上海站', '年终答谢会', '企业服务博览会'];
const CHANNELS = [['baidu', 'cpc'], ['douyin', 'live'], ['wechat', 'social'], ['xiaohongshu', 'social'],
  ['zhihu', 'content'], ['official-site', 'organic']];
const TAGS = ['高意向', '价格敏感', '企业版', '需要演示', '老客户转介绍', '预算已批'];
const NOTES = ['想了解企业版报价', '希望下周安排一次产品演示', '关注数据安全和私有化部署', '对比过两家竞品，预算 10 万左右',
  '门店 30 家，想统一管理会员线索', '直播间留资，说月底前要定方案'];
// Mobile prefixes that libphonenumber accepts for mainland China.
const PREFIXES = ['133', '135', '136', '137', '138', '139', '150', '151', '152', '157', '158', '159', '177',
  '180', '181', '182', '183', '186', '187', '188', '189', '199'];

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const digits = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');

// mobile returns a valid +86 mobile number, in one of the ways people type them.
export function mobile() {
  const n = pick(PREFIXES) + digits(8);
  switch (Math.floor(Math.random() * 3)) {
    case 0: return n;
    case 1: return '+86 ' + n.slice(0, 3) + ' ' + n.slice(3, 7) + ' ' + n.slice(7);
    default: return '+86' + n;
  }
}

// randomLead returns a lead for POST /api/v1/leads.
export function randomLead() {
  const [sn, sp] = pick(SURNAMES);
  const [gn, gp] = pick(GIVEN);
  const [brand, bp] = pick(BRANDS);
  const city = pick(CITIES);
  const [source, medium] = pick(CHANNELS);
  const tags = [...new Set([pick(TAGS), pick(TAGS)])];
  const lead = {
    name: sn + gn,
    phone: mobile(),
    company: `${city}${brand}${pick(INDUSTRIES)}有限公司`,
    title: pick(TITLES),
    region: city,
    campaign: pick(CAMPAIGNS),
    utm: { source, medium },
    tags,
    note: pick(NOTES),
  };
  if (Math.random() < 0.6) lead.email = `${gp}.${sp}${digits(2)}@${bp}.com.cn`;
  return lead;
}
