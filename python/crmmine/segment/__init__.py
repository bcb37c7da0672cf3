"""Customer segmentation: RFM scores and named segments."""

from crmmine.segment.rfm import RFM_SEGMENT_MAP, rfm, rfm_segments

__all__ = ["RFM_SEGMENT_MAP", "rfm", "rfm_segments"]
