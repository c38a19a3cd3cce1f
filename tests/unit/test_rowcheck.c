/* test_rowcheck.c -- every rule of DESIGN.md §3, one passing and one failing case each. */
#include "check.h"
#include "rowcheck.h"

static int ok(const char *name, const char *value)
{
  struct rowcheck_failure f;
  return rowcheck_value(name, value, &f) == 0;
}

int main(void)
{
  char c[ROWCHECK_NAME_MAX];
  CHECK_STR(rowcheck_canonical_name("cenid", c), "CenId");
  CHECK_STR(rowcheck_canonical_name("LOGSTORENAME", c), "LogStoreName");
  CHECK_STR(rowcheck_canonical_name("tag.20.value", c), "Tag.20.Value");
  CHECK(rowcheck_canonical_name("Tag.21.Key", c) == NULL);
  CHECK(rowcheck_canonical_name("Tag.0.Key", c) == NULL);
  CHECK(rowcheck_canonical_name("Owner", c) == NULL);
  CHECK(rowcheck_is_required("ProjectName"));
  CHECK(!rowcheck_is_required("Description"));

  CHECK(ok("CenId", "cen-7qthudw0ll6jmc****"));
  CHECK(!ok("CenId", "vpc-123"));
  CHECK(!ok("CenId", "cen-"));
  CHECK(ok("RegionId", "cn-hangzhou"));
  CHECK(!ok("RegionId", "cn_hangzhou"));
  CHECK(!ok("RegionId", "CN-hangzhou"));
  /* The seed page's own example passes; upper case is only a warning. */
  CHECK(ok("ProjectName", "FlowLogProject"));
  CHECK(ok("LogStoreName", "FlowLogStore"));
  CHECK(rowcheck_has_upper("FlowLogProject"));
  CHECK(!rowcheck_has_upper("flowlog-project"));
  CHECK(!ok("ProjectName", "ab"));
  CHECK(!ok("ProjectName", "-abc"));
  CHECK(!ok("ProjectName", "abc-"));
  CHECK(!ok("ProjectName", "ab_c"));
  CHECK(ok("LogStoreName", "ab_c"));
  CHECK(!ok("LogStoreName", "_abc"));
  CHECK(ok("ProjectName", "a23456789012345678901234567890123456789012345678901234567890123"));
  CHECK(!ok("ProjectName", "a234567890123456789012345678901234567890123456789012345678901234"));

  CHECK(ok("Description", "This is my Flowlog."));
  CHECK(ok("Description", "杭州到北京的流日志"));
  CHECK(!ok("Description", "x"));
  CHECK(!ok("Description", "1abc"));
  CHECK(!ok("Description", "http://example.com"));
  CHECK(!ok("Description", "https://example.com"));
  /* 256 Chinese characters are 768 bytes but 256 characters: allowed. */
  {
    char buf[1024] = "";
    for (int i = 0; i < 256; i++)
      strcat(buf, "流");
    CHECK(ok("Description", buf));
    strcat(buf, "流");
    CHECK(!ok("Description", buf));
  }
  CHECK(ok("FlowLogName", "myFlowlog"));
  CHECK(ok("FlowLogName", "流日志-1.a_b"));
  CHECK(!ok("FlowLogName", "my flowlog"));
  CHECK(!ok("FlowLogName", "1flow"));
  CHECK(!ok("FlowLogName", "a"));

  CHECK(ok("Interval", "60"));
  CHECK(ok("Interval", "600"));
  CHECK(!ok("Interval", "61"));
  CHECK(ok("ClientToken", "02fb3da4-130e-11e9-8e44-0016e04115b"));
  CHECK(!ok("ClientToken", "héllo"));
  CHECK(!ok("ClientToken", "a234567890123456789012345678901234567890123456789012345678901234x"));
  CHECK(ok("LogFormatString", "${srcaddr}${dstaddr}${bytes}${packets}"));
  CHECK(!ok("LogFormatString", "${dstaddr}${srcaddr}${bytes}"));
  CHECK(ok("TransitRouterId", "tr-abc"));
  CHECK(!ok("TransitRouterId", "vtb-abc"));
  CHECK(ok("Tag.1.Key", "env"));
  CHECK(!ok("Tag.1.Key", "aliyun-env"));
  CHECK(!ok("Tag.1.Key", "acs:env"));
  CHECK(!ok("Tag.1.Value", "see http://x"));
  CHECK(ok("Tag.1.Value", ""));

  /* Well-formed UTF-8 and no control characters, for every parameter. */
  CHECK(!ok("Description", "ab\xC3"));
  CHECK(!ok("Description", "ab\xC0\xAF"));
  CHECK(!ok("Description", "ab\xED\xA0\x80"));
  CHECK(!ok("Description", "ab\tc"));
  size_t n = 0;
  CHECK(rowcheck_utf8("a流", 4, &n));
  CHECK_INT(n, 2);

  /* Whole requests: required first, then values, then cross-field rules. */
  struct params p = PARAMS_INIT;
  struct rowcheck_failure f;
  params_add(&p, "Action", "CreateFlowlog");
  params_add(&p, "CenId", "cen-1");
  params_add(&p, "RegionId", "cn-hangzhou");
  params_add(&p, "ProjectName", "proj");
  CHECK_INT(rowcheck_request(&p, &f), -1);
  CHECK_STR(f.api_code, "MissingLogStoreName");
  CHECK_STR(f.param, "LogStoreName");
  params_add(&p, "LogStoreName", "store");
  CHECK_INT(rowcheck_request(&p, &f), 0);
  params_add(&p, "Tag.2.Value", "prod");
  CHECK_INT(rowcheck_request(&p, &f), -1);
  CHECK_STR(f.param, "Tag.2.Value");
  params_add(&p, "Tag.2.Key", "env");
  CHECK_INT(rowcheck_request(&p, &f), 0);
  params_set(&p, "Interval", "30");
  CHECK_INT(rowcheck_request(&p, &f), -1);
  CHECK_STR(f.param, "Interval");
  CHECK_STR(f.api_code, "InvalidParameter");
  params_release(&p);
  return check_done();
}
