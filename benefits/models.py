# The benefits register (Benefit, Measurement) arrives with the benefits issue.
