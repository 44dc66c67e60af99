// The metrics and target databases that the metric specification names, written down by hand.

/** Metric name to database, as the specification's table gives them. */
export const SPEC_DATABASES: Readonly<Record<string, string>> = {
  tfa_code_churn: 'TFA_CodeChurn',
  tfa_complexity_stats: 'TFA_Complexity',
  tfa_complexity_tracking: 'TFA_Complexity',
  tfa_defects_stats: 'TFA_Defects',
  tfa_defects_tracking: 'TFA_Defects',
  tfa_rtinstr: 'TFA_RTINSTR',
  tfa_image_size: 'TFA_ImageSize',
  tfa_misra_defects: 'TFA_MisraDefects',
  tfm_code_churn: 'TFM_CodeChurn',
  tfm_complexity_stats: 'TFM_Complexity',
  tfm_defects_stats: 'TFM_Defects',
  tfm_image_size: 'TFM_ImageSize',
};
