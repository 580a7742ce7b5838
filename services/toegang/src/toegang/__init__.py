"""toegang: referrals (aanmelding), verklarende analyse and the toegang decision."""
